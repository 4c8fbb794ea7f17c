"""Verification: a check per affected group, and no resolving until they are done or waived."""

import pytest

from opsdesk.tickets.models import Stage
from opsdesk.tickets.services import Impact, TicketDraft
from opsdesk.tickets.tests.refusals import assert_error, changes_nothing
from opsdesk.workflows import tickets as ticket_workflow

GROUPS = [("WEB102-HN", 20), ("DATA101-SG", 18)]


@pytest.fixture
def outage(agent, requester):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail", impact=Impact(affected_users=38, groups=GROUPS)))
    return ticket_workflow.change_stage(ticket=ticket, actor=agent, to=Stage.IN_PROGRESS)


def test_each_affected_group_gets_a_check(outage):
    assert [c.group for c in outage.checks.all()] == ["WEB102-HN", "DATA101-SG"]
    assert outage.checks.first().label == "Submit a test in WEB102-HN and confirm it works"


def test_a_group_added_later_gets_its_check_and_done_checks_stay(agent, outage):
    first = outage.checks.first()
    first.done = True
    first.save()
    ticket_workflow.update_ticket(ticket=outage, actor=agent, impact=Impact(
        groups=[*GROUPS, ("MOBILE201-HN", 15)]))
    checks = {c.group: c.done for c in outage.checks.all()}
    assert checks == {"WEB102-HN": True, "DATA101-SG": False, "MOBILE201-HN": False}


def test_a_vietnamese_ticket_gets_vietnamese_checks(agent, requester):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Lỗi nộp bài", language="vi",
        impact=Impact(groups=[("WEB101-HN", 15)])))
    assert ticket.checks.get().label.startswith("Thử nộp bài trong lớp WEB101-HN")


def test_resolving_with_open_checks_is_refused_and_changes_nothing(api, agent, outage):
    with changes_nothing(outage):
        response = api.as_(agent).post(f"/api/v1/tickets/{outage.pk}/stage",
                                       {"stage": "resolved"})
    assert_error(response, 409, "verification_pending", fields=("checks",))
    assert "Verify before resolving: 2 check(s) open" in response.json()["error"]["message"]


def test_ticking_every_check_through_the_api_allows_resolving(api, agent, outage):
    client = api.as_(agent)
    for check in client.get(f"/api/v1/tickets/{outage.pk}/checks").json()["items"]:
        response = client.patch(f"/api/v1/tickets/{outage.pk}/checks/{check['id']}",
                                {"done": True, "result": "submitted fine"})
        assert response.json()["done"] is True
    response = client.post(f"/api/v1/tickets/{outage.pk}/stage", {"stage": "resolved"})
    assert response.status_code == 200, response.json()
    assert outage.messages.filter(event="check_done").count() == 2


def test_the_checklist_is_listed_a_page_at_a_time_in_the_order_it_was_added(api, agent, outage):
    client = api.as_(agent)
    first = client.get(f"/api/v1/tickets/{outage.pk}/checks", {"limit": 1}).json()
    rest = client.get(f"/api/v1/tickets/{outage.pk}/checks",
                      {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [c["group"] for c in first["items"] + rest["items"]] == ["WEB102-HN", "DATA101-SG"]
    assert rest["next_cursor"] is None


def test_a_waiver_with_a_reason_resolves_and_is_recorded(api, agent, outage):
    response = api.as_(agent).post(f"/api/v1/tickets/{outage.pk}/stage", {
        "stage": "resolved", "waive_verification": "classes ended; verified by the LMS team"})
    assert response.status_code == 200, response.json()
    waived = outage.messages.get(event="verification_waived")
    assert waived.data["reason"] == "classes ended; verified by the LMS team"
    assert len(waived.data["open_checks"]) == 2


def test_a_ticket_without_groups_resolves_without_checks(agent, requester):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Password reset"))
    resolved = ticket_workflow.change_stage(ticket=ticket, actor=agent, to=Stage.RESOLVED)
    assert resolved.stage == Stage.RESOLVED


def test_a_requester_cannot_tick_checks(api, requester, outage):
    check = outage.checks.first()
    response = api.as_(requester).patch(f"/api/v1/tickets/{outage.pk}/checks/{check.pk}",
                                        {"done": True})
    assert_error(response, 403, "forbidden")
    check.refresh_from_db()
    assert check.done is False


def test_a_check_on_another_ticket_is_not_found(api, agent, outage, requester):
    other = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Other", impact=Impact(groups=[("UX110-DN", 3)])))
    response = api.as_(agent).patch(f"/api/v1/tickets/{outage.pk}/checks/"
                                    f"{other.checks.get().pk}", {"done": True})
    assert_error(response, 404, "not_found")
