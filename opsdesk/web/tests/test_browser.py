"""The agent workspace in a real browser (headless Chromium)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from opsdesk.demo.replay import create_from, load_scenario
from opsdesk.tickets.models import Ticket

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture
def outage(agent):
    data = {k: v for k, v in load_scenario("expedite-exam-outage")["ticket"].items()
            if k != "received_at"}
    return create_from(data, agent=agent)


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


# The agent writes the ACK by hand from its template: the automatic one would have met the
# ACK clock before (the end-to-end scenario below runs with it).
@pytest.mark.usefixtures("manual_timeline")
def test_an_agent_triages_acknowledges_notes_and_moves_a_ticket(page, sign_in, agent, outage):
    sign_in(agent)
    assert page.url.endswith("/desk/")
    page.get_by_role("link", name=outage.title).click()
    assert page.locator(".badge.cos-expedite").inner_text() == "Expedite"
    assert "54 users > 25" in page.locator(".rationale").inner_text()
    _shot(page, "workspace-ticket.png")

    page.get_by_label("Start from a template").select_option("ack")
    page.get_by_role("button", name="Use template").click()
    assert "Dear Le Ngoc A" in page.get_by_label("Message").input_value()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Send reply to requester").click()
    assert "Reply sent to the requester." in page.locator(".flash").inner_text()

    page.get_by_label("Message").fill("Checked App Insights: DB timeouts since 15:00.")
    page.get_by_role("button", name="Add internal note").click()
    note = page.locator(".entry-note")
    assert "Internal note" in note.text_content() and "DB timeouts" in note.text_content()

    page.get_by_label("Move to").select_option("in_progress")
    page.get_by_role("button", name="Change stage").click()
    outage.refresh_from_db()
    assert outage.stage == "in_progress"
    kinds = list(outage.messages.exclude(kind="event").values_list("kind", "template"))
    assert kinds == [("reply", "ack"), ("note", "")]
    ack = next(c for c in outage.sla_clocks.all() if c.target == "ack")
    assert ack.status == "met"


def test_dismissing_the_reply_confirmation_sends_nothing(page, sign_in, agent, outage):
    sign_in(agent)
    page.goto(f"/desk/tickets/{outage.pk}/")
    page.get_by_label("Message").fill("Draft that should not go out")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Send reply to requester").click()
    page.wait_for_timeout(300)
    replies = outage.messages.filter(kind="reply")
    assert list(replies.values_list("template", flat=True)) == ["ack"]  # the automatic one


def test_the_queue_shows_live_countdowns_and_filters_in_the_url(page, sign_in, agent, outage):
    sign_in(agent)
    page.get_by_role("link", name="Expedite").first.click()
    assert "cos=expedite" in page.url
    countdown = page.locator("[data-due]").first
    expect(countdown).to_contain_text("left")  # the script has ticked it once loaded
    _shot(page, "workspace-queue.png")
    assert Ticket.objects.count() == 1


def test_the_language_switch_renders_the_workspace_in_vietnamese(page, sign_in, agent, outage):
    sign_in(agent)
    page.goto(f"/desk/tickets/{outage.pk}/")
    with page.expect_navigation():
        page.get_by_label("Language").select_option("vi")
    assert page.get_by_role("button", name="Thêm ghi chú nội bộ").is_visible()
    assert page.locator(".badge.cos-expedite").inner_text() == "Khẩn cấp"
    assert "Kiểm tra lại" in page.locator("#checks-h").inner_text()
    _shot(page, "workspace-ticket-vi.png")


def test_the_expedite_scenario_runs_end_to_end_in_the_browser(page, sign_in, agent, dev_team,
                                                              outage):
    sign_in(agent)
    page.goto(f"/desk/tickets/{outage.pk}/")

    def choose(label, value):
        page.get_by_label(label).select_option(value)

    page.get_by_label("Start from a template").select_option("update")
    page.get_by_role("button", name="Use template").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Send reply to requester").click()
    choose("Move to", "in_progress")
    page.get_by_role("button", name="Change stage").click()

    choose("Escalate to", str(dev_team.pk))
    for label, text in (("Impact", "50+ students blocked in final exams"),
                        ("Findings", "DB connection timeouts since 15:00"),
                        ("Hypothesis", "pool misconfigured by a deployment"),
                        ("Workaround status", "email submission offered"),
                        ("The ask", "urgent fix")):
        page.locator("#esc-h ~ form").last.get_by_label(label).fill(text)
    page.get_by_role("button", name="Escalate", exact=True).click()
    page.get_by_label("Record the team's answer").fill("Pool config rolled back.")
    page.get_by_role("button", name="Record answer").click()

    for _ in range(page.locator(".checks button").count()):
        page.locator(".checks button", has_text="☐").first.click()
    choose("Move to", "resolved")
    page.get_by_role("button", name="Change stage").click()
    choose("Move to", "closed")
    page.get_by_label("Root cause").fill("Connection pool misconfiguration")
    page.get_by_label("Resolution").fill("Configuration rolled back")
    page.get_by_role("button", name="Change stage").click()

    outage.refresh_from_db()
    assert outage.stage == "closed"
    assert outage.escalations.get().status == "answered"
    assert all(c.done for c in outage.checks.all())
    templates = set(outage.messages.filter(kind="reply").values_list("template", flat=True))
    assert {"ack", "update", "closure", "rating_request"} <= templates
    assert {c.target: c.status for c in outage.sla_clocks.all()}["escalation"] == "met"
