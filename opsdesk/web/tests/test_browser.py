"""The agent workspace in a real browser (headless Chromium)."""

from pathlib import Path

import pytest

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
    assert not outage.messages.filter(kind="reply").exists()


def test_the_queue_shows_live_countdowns_and_filters_in_the_url(page, sign_in, agent, outage):
    sign_in(agent)
    page.get_by_role("link", name="Expedite").first.click()
    assert "cos=expedite" in page.url
    countdown = page.locator("[data-due]").first
    assert "left" in countdown.inner_text()
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
