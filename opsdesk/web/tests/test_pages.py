"""Workspace pages without a browser: permissions, and every form's refusals."""

import pytest
from django.test import Client

from opsdesk.tickets import stages
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import Stage
from opsdesk.tickets.services import TicketDraft
from opsdesk.tickets.tests.refusals import changes_nothing
from opsdesk.workflows import tickets as ticket_workflow


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ticket(agent, requester):
    return ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail",
        impact=Impact(affected_users=30, groups=[("WEB102-HN", 30)])))


@pytest.fixture
def desk(agent):
    return client_for(agent)


def url(ticket, tail=""):
    return f"/desk/tickets/{ticket.pk}/{tail}"


def test_anonymous_visitors_are_sent_to_sign_in(client, ticket):
    response = client.get(url(ticket))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/desk/", "/desk/board/", "TICKET"])
def test_a_requester_cannot_open_the_workspace(requester, ticket, path):
    path = url(ticket) if path == "TICKET" else path
    assert client_for(requester).get(path).status_code == 403


def test_a_requester_cannot_post_a_note_through_the_workspace(requester, ticket):
    with changes_nothing(ticket):
        response = client_for(requester).post(url(ticket, "messages"),
                                              {"kind": "note", "body": "hi"})
    assert response.status_code == 403


def test_an_agent_cannot_reach_the_admin_site(desk):
    response = desk.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_queue_lists_and_counts_come_from_their_endpoint_then_the_cache(desk, agent,
                                                                          requester):
    for n in range(3):
        ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
            requester=requester, title=f"Quiz {n}"))
    first = desk.get("/desk/", {"q": "Quiz"}).content.decode()
    assert first.count('href="/desk/tickets/') == 3
    assert 'data-counts-url="/desk/counts"' in first  # not counted yet: the script asks
    counts = desk.get("/desk/counts").json()
    assert counts["cos-standard"] == "3" and counts["unassigned"] == "3"
    again = desk.get("/desk/").content.decode()
    assert '<span class="count" data-queue="cos-standard">3</span>' in again
    assert "data-counts-url" not in again


def test_a_bad_filter_says_so_instead_of_failing(desk):
    response = desk.get("/desk/", {"stage": "lost"})
    assert response.status_code == 200
    assert "Unknown stage lost." in response.content.decode()


@pytest.mark.parametrize(("params", "said"), [
    ({"created_after": "yesterday"}, "Not a valid filter: created_after."),
    ({"stage": "lost"}, "Unknown stage lost.")])
def test_a_filter_that_does_not_parse_is_named_on_the_queue_and_the_board(desk, params, said):
    queue = desk.get("/desk/", params)
    board = desk.get("/desk/board/", params)
    assert queue.status_code == 200 and board.status_code == 400
    assert said in queue.content.decode() and said in board.content.decode()


def test_an_empty_message_is_refused_next_to_the_field(desk, ticket):
    with changes_nothing(ticket):
        response = desk.post(url(ticket, "messages"), {"kind": "reply", "body": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_a_message_without_note_or_reply_is_refused(desk, ticket):
    with changes_nothing(ticket):
        response = desk.post(url(ticket, "messages"), {"body": "hello"})
    assert response.status_code == 400
    assert "Choose: internal note or reply to the requester." in response.content.decode()


def test_an_illegal_stage_is_refused_with_the_reason(desk, ticket):
    with changes_nothing(ticket):
        response = desk.post(url(ticket, "stage"), {"stage": "closed"})
    assert response.status_code == 400
    assert "A ticket cannot move from new to closed." in response.content.decode()


def test_resolving_with_open_checks_shows_how_to_go_on(desk, ticket):
    with changes_nothing(ticket):
        response = desk.post(url(ticket, "stage"), {"stage": "resolved"})
    assert response.status_code == 400
    assert "Verify before resolving: 1 check(s) open" in response.content.decode()


def test_waiting_without_a_reason_is_refused_next_to_the_field(desk, ticket):
    with changes_nothing(ticket):
        response = desk.post(url(ticket, "stage"), {"stage": "waiting"})
    assert response.status_code == 400
    assert "customer, dev_team or third_party" in response.content.decode()


def test_a_malformed_class_line_is_refused_and_impact_kept(desk, ticket):
    with changes_nothing(ticket):
        response = desk.post(url(ticket, "impact"), {"affected_users": "30",
                                                      "groups": "WEB102-HN twenty"})
    assert response.status_code == 400
    assert "Line 1: write a class and a number" in response.content.decode()


def test_saving_impact_reclassifies(desk, ticket):
    response = desk.post(url(ticket, "impact"), {"affected_users": "10",
                                                  "groups": "WEB102-HN: 10"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.cos == "priority"
    assert ticket.messages.filter(event="cos_changed").exists()


def test_an_override_needs_a_reason(desk, ticket):
    with changes_nothing(ticket):
        response = desk.post(url(ticket, "cos"), {"cos": "standard", "reason": ""})
    assert response.status_code == 400


def test_an_escalation_needs_every_field(desk, ticket, dev_team):
    with changes_nothing(ticket):
        response = desk.post(url(ticket, "escalations"), {"team": dev_team.pk, "ask": "fix"})
    assert response.status_code == 400
    assert not ticket.escalations.exists()


def test_ticking_a_check_and_resolving(desk, ticket):
    check = ticket.checks.get()
    desk.post(url(ticket, f"checks/{check.pk}"), {"done": "1"})
    desk.post(url(ticket, "stage"), {"stage": "resolved"})
    ticket.refresh_from_db()
    assert ticket.stage == Stage.RESOLVED


def test_a_long_timeline_opens_on_its_latest_entries_and_shows_all_on_request(desk, agent,
                                                                             ticket):
    from opsdesk.tickets.models import Message
    from opsdesk.tickets.timeline import timeline

    Message.objects.bulk_create(Message(ticket=ticket, kind="note", author=agent,
                                        body=f"Check {n:03d}") for n in range(250))
    recent = desk.get(url(ticket)).content.decode()
    assert "Check 249" in recent and "Check 000" not in recent
    earlier = len(timeline(ticket, agent)) - 200
    assert earlier > 50 and f"Show {earlier} earlier entries" in recent
    everything = desk.get(url(ticket), {"all": "1"}).content.decode()
    assert "Check 000" in everything


def test_the_ticket_page_shows_automation_runs_with_their_steps(desk, ticket):
    from opsdesk.automation.models import AutomationRun, AutomationStep

    run = AutomationRun.objects.create(ticket=ticket, name="Tag login tickets", outcome="matched")
    AutomationStep.objects.create(run=run, position=1, kind="action", name="add tag login")
    page = desk.get(url(ticket)).content.decode()
    assert "Tag login tickets" in page and "add tag login" in page


def test_the_ticket_page_lists_its_open_likely_duplicates(desk, agent, requester):
    outage = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exam submission fails in WEB102-HN",
        description="Students cannot submit the final exam, System error on submit",
        impact=Impact(affected_users=20, groups=[("WEB102-HN", 20)])))
    again = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Khong nop duoc bai thi WEB102-HN",
        description="Students cannot submit the final exam: System error on submit",
        impact=Impact(affected_users=3, groups=[("WEB102-HN", 3)])))
    other = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Gradebook export is missing a column"))

    page = desk.get(url(again)).content.decode()
    assert "Likely duplicates" in page
    assert f'href="/desk/tickets/{outage.pk}/"' in page and outage.title in page
    assert other.title not in page
    assert "Likely duplicates" not in desk.get(url(other)).content.decode()

    ticket_workflow.update_ticket(ticket=outage, actor=agent, assignee=agent)
    ticket_workflow.change_stage(ticket=outage, actor=agent, to=Stage.CANCELLED,
                        summary=stages.CloseSummary(root_cause="", resolution="duplicate"))
    assert "Likely duplicates" not in desk.get(url(again)).content.decode()


def test_likely_duplicates_read_in_vietnamese(desk, agent, requester, settings):
    for title in ("Khong nop duoc bai thi WEB102-HN", "Không nộp được bài thi WEB102-HN"):
        last = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
            requester=requester, title=title,
            impact=Impact(affected_users=3, groups=[("WEB102-HN", 3)])))
    page = desk.get(url(last), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Có thể trùng lặp" in page and "giống 100 %" in page
