"""Who sees and changes what: a requester sees only their own tickets and never a note."""

import pytest

from opsdesk.tickets.models import Message, Stage, Ticket
from opsdesk.tickets.tests.refusals import assert_error, changes_nothing
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

pytestmark = pytest.mark.django_db


def ticket_url(ticket, tail=""):
    return f"/api/v1/tickets/{ticket.pk}{tail}"


@pytest.fixture
def ticket_of_other_requester(make_ticket, other_requester):
    return make_ticket(requester=other_requester, title="Slow pages in WEB101")


@pytest.fixture
def worked_ticket(agent, engineer, ticket_of_requester):
    """A ticket with a note, a reply, an assignment and a stage change on its timeline."""
    ticket = ticket_of_requester
    message_workflow.add_message(
        ticket=ticket, actor=agent, kind="note", body="Suspect the DB pool.")
    message_workflow.add_message(ticket=ticket, actor=agent, kind="reply", body="We are on it.")
    ticket_workflow.update_ticket(ticket=ticket, actor=agent, assignee=engineer)
    ticket_workflow.change_stage(ticket=ticket, actor=agent, to=Stage.IN_PROGRESS)
    return ticket


# --- reading --------------------------------------------------------------------------------

def test_a_requester_lists_only_their_own_tickets(
        api, requester, ticket_of_requester, ticket_of_other_requester):
    items = api.as_(requester).get("/api/v1/tickets").json()["items"]
    assert [t["id"] for t in items] == [ticket_of_requester.pk]


def test_a_requester_filtering_by_someone_else_still_sees_only_their_own(
        api, requester, other_requester, ticket_of_other_requester):
    response = api.as_(requester).get("/api/v1/tickets", {"requester": other_requester.email})
    assert response.json()["items"] == []


def test_a_requester_reads_their_own_ticket(api, requester, ticket_of_requester):
    assert api.as_(requester).get(ticket_url(ticket_of_requester)).status_code == 200


def test_someone_elses_ticket_does_not_exist_for_a_requester(
        api, requester, ticket_of_other_requester):
    response = api.as_(requester).get(ticket_url(ticket_of_other_requester))
    assert_error(response, 404, "not_found")


def test_someone_elses_messages_do_not_exist_for_a_requester(
        api, requester, ticket_of_other_requester):
    response = api.as_(requester).get(ticket_url(ticket_of_other_requester, "/messages"))
    assert_error(response, 404, "not_found")


def test_requester_never_sees_a_note(api, requester, worked_ticket):
    items = api.as_(requester).get(ticket_url(worked_ticket, "/messages")).json()["items"]
    assert all(m["kind"] != "note" for m in items)
    assert "Suspect the DB pool." not in str(items)


def test_requester_never_sees_a_note_on_the_timeline(api, requester, worked_ticket):
    items = api.as_(requester).get(ticket_url(worked_ticket, "/timeline")).json()["items"]
    assert all(m["kind"] != "note" for m in items)
    assert "Suspect the DB pool." not in str(items)


def test_a_requester_sees_replies_and_public_events(api, requester, worked_ticket):
    items = api.as_(requester).get(ticket_url(worked_ticket, "/timeline")).json()["items"]
    assert [m["event"] or m["kind"] for m in items] == ["created", "reply", "stage_changed"]


def test_a_requester_gets_no_internal_event_data(api, requester, worked_ticket):
    items = api.as_(requester).get(ticket_url(worked_ticket, "/messages")).json()["items"]
    assert [m["data"] for m in items] == [None, None, None]


def test_a_requester_does_not_see_staff_email_addresses(api, requester, worked_ticket):
    items = api.as_(requester).get(ticket_url(worked_ticket, "/messages")).json()["items"]
    assert {m["author"]["email"] for m in items} == {""}


def test_an_agent_sees_the_whole_timeline(api, agent, worked_ticket):
    items = api.as_(agent).get(ticket_url(worked_ticket, "/timeline")).json()["items"]
    ticket_entries = [m["event"] or m["kind"] for m in items
                      if m["event"] in (None, "created", "assigned", "stage_changed")]
    assert ticket_entries == ["created", "note", "reply", "assigned", "stage_changed"]


@pytest.mark.parametrize("persona", ["engineer", "manager", "admin_user"])
def test_desk_staff_read_any_ticket(request, api, persona, ticket_of_requester):
    client = api.as_(request.getfixturevalue(persona))
    assert client.get(ticket_url(ticket_of_requester)).status_code == 200
    assert [t["id"] for t in client.get("/api/v1/tickets").json()["items"]] == [
        ticket_of_requester.pk]


@pytest.mark.parametrize("persona", ["engineer", "manager", "admin_user"])
def test_desk_staff_read_notes(request, api, persona, worked_ticket):
    client = api.as_(request.getfixturevalue(persona))
    items = client.get(ticket_url(worked_ticket, "/messages")).json()["items"]
    assert "note" in [m["kind"] for m in items]


# --- writing --------------------------------------------------------------------------------

def test_a_requester_cannot_post_a_note(api, requester, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = api.as_(requester).post(ticket_url(ticket_of_requester, "/messages"),
                                           {"kind": "note", "body": "internal?"})
    assert_error(response, 403, "forbidden")


def test_a_requester_replies_on_their_own_ticket(api, requester, ticket_of_requester):
    response = api.as_(requester).post(ticket_url(ticket_of_requester, "/messages"),
                                       {"kind": "reply", "body": "Still failing for 20 students."})
    assert response.status_code == 201, response.content
    assert Message.objects.filter(ticket=ticket_of_requester, kind="reply",
                                  author=requester).count() == 1


def test_a_requester_cannot_reply_on_someone_elses_ticket(
        api, requester, ticket_of_other_requester):
    with changes_nothing(ticket_of_other_requester):
        response = api.as_(requester).post(ticket_url(ticket_of_other_requester, "/messages"),
                                           {"kind": "reply", "body": "Me too"})
    assert_error(response, 404, "not_found")


def test_a_requester_cannot_update_their_ticket(api, requester, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = api.as_(requester).patch(ticket_url(ticket_of_requester), {
            "title": "URGENT!!!", "impact": {"affected_users": 99}})
    assert_error(response, 403, "forbidden")


def test_a_requester_cannot_override_the_class(api, requester, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = api.as_(requester).patch(ticket_url(ticket_of_requester),
                                            {"cos": "expedite", "cos_reason": "please"})
    assert_error(response, 403, "forbidden")


def test_a_requester_cannot_change_the_stage(api, requester, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = api.as_(requester).post(ticket_url(ticket_of_requester, "/stage"),
                                           {"stage": "cancelled"})
    assert_error(response, 403, "forbidden")


def test_a_requester_creates_tickets_for_themselves(api, requester, other_requester):
    response = api.as_(requester).post("/api/v1/tickets", {
        "title": "Cannot open my grades",
        "requester": {"name": "Nguyen Thi Ha", "email": other_requester.email},
    })
    assert response.status_code == 201, response.content
    assert response.json()["requester"]["id"] == requester.pk
    assert Ticket.objects.get(pk=response.json()["id"]).requester == requester


def test_a_requester_cannot_choose_the_class_when_creating(api, requester):
    body = api.as_(requester).post("/api/v1/tickets", {
        "title": "Cannot open my grades", "cos": "expedite", "cos_reason": "please"}).json()
    assert (body["cos"], body["cos_overridden"]) == ("standard", False)


def test_a_requester_cannot_route_or_assign_when_creating(api, requester, dev_team, engineer):
    body = api.as_(requester).post("/api/v1/tickets", {
        "title": "Cannot open my grades", "team": "Dev Team", "assignee": engineer.email}).json()
    assert (body["team"], body["assignee"]) == (None, None)
