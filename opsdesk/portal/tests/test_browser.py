"""The requester portal in a real browser (headless Chromium)."""

from pathlib import Path

from opsdesk.tickets.models import Ticket
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def _submit_ticket(page):
    page.get_by_role("link", name="New ticket").first.click()
    page.get_by_label("Title").fill("Cannot submit the WEB102 final exam")
    page.get_by_label("Description").fill(
        "Students press Submit and get “Error 500”. It started at 15:00.")
    page.get_by_label("How many people are affected?").fill("20")
    page.get_by_label("Which class or group (optional)").fill("WEB102-HN")
    page.get_by_label("Attachments (optional)").set_input_files(
        [{"name": "error.png", "mimeType": "image/png", "buffer": b"\x89PNG fake"}])
    page.get_by_role("button", name="Send ticket").click()
    page.wait_for_load_state()


def _earlier_tickets(make_ticket, agent):
    """Two older tickets, so the list looks like a requester's real one."""
    make_ticket(title="Gradebook export to Excel is empty")
    done = make_ticket(title="Reset my password for the LMS")
    ticket_workflow.change_stage(
        ticket=done, actor=agent, to="resolved", waive_verification="one user")


def test_a_requester_submits_and_sees_the_reply_but_not_the_note(page, sign_in, requester,
                                                                 agent, make_ticket):
    _earlier_tickets(make_ticket, agent)
    sign_in(requester)
    assert page.url.endswith("/portal/")
    _submit_ticket(page)
    ticket = Ticket.objects.get(channel="portal")
    assert page.url.endswith(f"/portal/tickets/{ticket.pk}/")
    assert f"Ticket {ticket.ref} received" in page.locator(".flash").inner_text()
    assert (ticket.channel, ticket.requester, ticket.affected_users) == ("portal", requester, 20)
    assert ticket.attachments.get().filename == "error.png"

    message_workflow.add_message(ticket=ticket, actor=agent, kind="note",
                         body="App Insights: DB timeouts on the exam service since 15:00.")
    message_workflow.add_message(ticket=ticket, actor=agent, kind="reply",
                         body="Dear Le Ngoc A, we are on it and will update you in 15 minutes.")
    page.reload()
    timeline = page.locator(".timeline").inner_text()
    assert "we are on it and will update you" in timeline
    assert "DB timeouts" not in page.content()
    page.get_by_label("Your reply").fill("Thank you, we are waiting.")
    page.get_by_role("button", name="Send reply").click()
    assert "Thank you, we are waiting." in page.locator(".timeline").inner_text()
    _shot(page, "portal-ticket.png")

    page.get_by_role("link", name="My tickets").click()
    assert page.get_by_role("link", name="Cannot submit the WEB102 final exam").is_visible()
    _shot(page, "portal-tickets.png")


def test_a_refused_ticket_shows_the_error_beside_the_field(page, sign_in, requester):
    sign_in(requester)
    page.goto("/portal/new/")
    page.get_by_label("Title").fill("Quiz")
    page.get_by_label("Description").fill("It fails")
    page.get_by_label("How many people are affected?").fill("0")
    page.get_by_role("button", name="Send ticket").click()
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "At least one person (you)."
    field = page.get_by_label("How many people are affected?")
    assert field.get_attribute("aria-invalid") == "true"
    assert "id_affected_users_error" in field.get_attribute("aria-describedby")
    assert not Ticket.objects.exists()


def test_the_language_switch_renders_the_portal_in_vietnamese(page, sign_in, requester,
                                                              make_ticket):
    ticket = make_ticket(title="Không vào được lớp WEB102")
    sign_in(requester)
    with page.expect_navigation():
        page.locator("#lang-select").select_option("vi")
    assert page.get_by_role("heading", name="Yêu cầu của tôi").is_visible()
    assert page.get_by_role("columnheader", name="Cập nhật gần nhất").is_visible()
    page.get_by_role("link", name=ticket.title).click()
    assert page.get_by_role("heading", name="Nội dung yêu cầu").is_visible()
    assert "Đã nhận yêu cầu." in page.locator(".timeline").inner_text()
    assert page.get_by_role("button", name="Gửi phản hồi").is_visible()


def test_the_new_ticket_form_is_keyboard_reachable(page, sign_in, requester):
    sign_in(requester)
    page.goto("/portal/new/")
    page.get_by_label("Title").focus()
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id || "
                                     "document.activeElement.textContent"))
    assert reached[:5] == ["id_description", "id_affected_users", "id_group", "id_attachments",
                           "Send ticket"]
