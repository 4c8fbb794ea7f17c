"""Creating, reading and updating tickets over the REST API (API.md, Tickets)."""

import pytest

from opsdesk.accounts.models import Role, User
from opsdesk.tickets.models import Cos, Message, Ticket
from opsdesk.tickets.services import Impact

pytestmark = pytest.mark.django_db

EXAM_OUTAGE = {
    "title": "Exam submission system down",
    "requester": {"name": "Vo Minh Khoa", "email": "khoa.vo@campus.example.edu.vn",
                  "role": "coordinator"},
    "channel": "email",
    "tags": ["LMS", "exam"],
    "impact": {"affected_users": 54, "critical_function": True, "failure_rate": 1.0,
               "groups": [{"name": "WEB102-HN", "affected": 20}]},
}


def url(ticket):
    return f"/api/v1/tickets/{ticket.pk if hasattr(ticket, 'pk') else ticket['id']}"


def events(ticket_id, name):
    return list(Message.objects.filter(ticket_id=ticket_id, event=name))


# --- create and read ------------------------------------------------------------------------

def test_it_creates_a_ticket_with_a_zero_padded_reference(api, agent):
    response = api.as_(agent).post("/api/v1/tickets", EXAM_OUTAGE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ref"] == f"#{body['id']:05d}"
    assert Ticket.objects.filter(pk=body["id"], title="Exam submission system down").exists()


def test_the_created_ticket_answered_is_the_ticket_stored(api, agent, make_ticket):
    make_ticket(title="Exam submission fails for WEB102-HN")  # a likely duplicate
    client = api.as_(agent)
    created = client.post("/api/v1/tickets", {**EXAM_OUTAGE, "received_at":
                                              "2026-02-20T15:10:00+07:00"}).json()
    assert created["duplicate_candidates"] and created["sla"] and created["tags"]
    assert created == client.get(url(created)).json()


def test_the_created_ticket_answered_shows_what_rules_did_at_creation(api, agent):
    from opsdesk.automation.models import Rule

    Rule.objects.create(name="Tag exams", trigger="ticket_created",
                        actions=[{"action": "add_tag", "tag": "auto-triage"}])
    created = api.as_(agent).post("/api/v1/tickets", EXAM_OUTAGE).json()
    assert "auto-triage" in created["tags"]
    assert created == api.as_(agent).get(url(created)).json()


def test_the_created_ticket_answered_shows_a_change_made_elsewhere_at_creation(
        api, agent, monkeypatch):
    from django.db.models import F

    from opsdesk.duplicates import services as duplicates

    index = duplicates.index_new_tickets

    def rename(*, created, at):  # another instance: the creator's copy does not see it
        Ticket.objects.filter(pk__in=[n.ticket.pk for n in created]).update(
            title="Renamed at creation", version=F("version") + 1)
        return index(created=created, at=at)

    monkeypatch.setattr(duplicates, "index_new_tickets", rename)
    created = api.as_(agent).post("/api/v1/tickets", EXAM_OUTAGE).json()
    assert (created["title"], created["version"]) == ("Renamed at creation", 2)


def test_it_creates_the_requester_from_name_email_and_role(api, agent):
    body = api.as_(agent).post("/api/v1/tickets", EXAM_OUTAGE).json()
    person = User.objects.get(email="khoa.vo@campus.example.edu.vn")
    assert (person.name, person.role, person.requester_role) == (
        "Vo Minh Khoa", Role.REQUESTER, "coordinator")
    assert body["requester"] == {"id": person.pk, "name": "Vo Minh Khoa",
                                 "email": "khoa.vo@campus.example.edu.vn", "role": "coordinator"}


def test_it_files_the_ticket_under_a_known_requester_whatever_the_email_case(
        api, agent, requester):
    body = api.as_(agent).post("/api/v1/tickets", {
        "title": "Cannot log in",
        "requester": {"name": "Le Ngoc A", "email": "Ngoc.A.Le@Campus.Example.edu.vn"},
    }).json()
    assert body["requester"]["id"] == requester.pk


def test_it_stores_tags_groups_and_received_at_as_sent(api, agent):
    body = api.as_(agent).post("/api/v1/tickets", {
        **EXAM_OUTAGE, "received_at": "2026-02-20T15:10:00+07:00"}).json()
    assert body["tags"] == ["LMS", "exam"]
    assert body["impact"]["groups"] == [{"name": "WEB102-HN", "affected": 20}]
    assert body["received_at"] == "2026-02-20T08:10:00Z"


def test_it_reads_a_ticket(api, agent, ticket_of_requester):
    response = api.as_(agent).get(url(ticket_of_requester))
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["title"]) == (
        ticket_of_requester.pk, "Cannot open the WEB102 exam")


def test_it_shows_times_in_the_zone_asked_for(api, agent, ticket_of_requester):
    body = api.as_(agent).get(url(ticket_of_requester), {"tz": "Asia/Ho_Chi_Minh"}).json()
    for name in ("received_at", "created_at", "updated_at"):
        assert body[name].endswith("+07:00"), body[name]


def test_it_shows_times_in_utc_by_default(api, agent, ticket_of_requester):
    body = api.as_(agent).get(url(ticket_of_requester)).json()
    assert body["created_at"].endswith(("Z", "+00:00")), body["created_at"]


def test_an_agent_may_set_the_class_with_a_reason_at_creation(api, agent):
    body = api.as_(agent).post("/api/v1/tickets", {
        **EXAM_OUTAGE, "cos": "priority", "cos_reason": "only a practice exam"}).json()
    assert (body["cos"], body["cos_overridden"], body["priority"]) == ("priority", True, 2)
    assert "only a practice exam" in body["cos_rationale"]


# --- update ---------------------------------------------------------------------------------

def test_it_renames_a_ticket_and_records_it(api, agent, ticket_of_requester):
    response = api.as_(agent).patch(url(ticket_of_requester), {"title": "WEB102 exam locked"})
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "WEB102 exam locked"
    assert response.json()["version"] == ticket_of_requester.version + 1
    assert len(events(ticket_of_requester.pk, "title_changed")) == 1


def test_it_replaces_the_tags(api, agent, make_ticket):
    ticket = make_ticket(tags=["LMS", "exam"])
    body = api.as_(agent).patch(url(ticket), {"tags": ["exam", "login"]}).json()
    assert body["tags"] == ["exam", "login"]
    assert sorted(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True)) == [
        "exam", "login"]


def test_it_assigns_by_email(api, agent, engineer, ticket_of_requester):
    body = api.as_(agent).patch(url(ticket_of_requester), {"assignee": "DEV@dev.example.edu.vn"})
    assert body.json()["assignee"]["id"] == engineer.pk
    assert Ticket.objects.get(pk=ticket_of_requester.pk).assignee == engineer


def test_it_unassigns_with_an_empty_assignee(api, agent, engineer, make_ticket):
    ticket = make_ticket(assignee=engineer)
    body = api.as_(agent).patch(url(ticket), {"assignee": ""}).json()
    assert body["assignee"] is None
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_it_routes_to_a_team_by_name(api, agent, dev_team, ticket_of_requester):
    body = api.as_(agent).patch(url(ticket_of_requester), {"team": "dev team"}).json()
    assert body["team"] == "Dev Team"
    assert Ticket.objects.get(pk=ticket_of_requester.pk).team == dev_team


def test_a_larger_impact_reclassifies_and_records_the_change(api, agent, make_ticket):
    ticket = make_ticket(impact=Impact(affected_users=10))
    body = api.as_(agent).patch(url(ticket), {"impact": {"affected_users": 54}}).json()
    assert (body["cos"], body["priority"], body["cos_rationale"]) == (
        "expedite", 3, "54 users > 25")
    [change] = events(ticket.pk, "cos_changed")
    assert (change.data["from"], change.data["to"]) == ("priority", "expedite")


def test_an_impact_that_keeps_the_class_records_no_class_change(api, agent, make_ticket):
    ticket = make_ticket(impact=Impact(affected_users=10))
    api.as_(agent).patch(url(ticket), {"impact": {"affected_users": 12}})
    rationale = Ticket.objects.get(pk=ticket.pk).cos_rationale
    assert rationale == "12 users within 5\u201325"  # the rule's en dash
    assert events(ticket.pk, "cos_changed") == []


def test_an_override_with_a_reason_sets_the_class(api, agent, make_ticket):
    ticket = make_ticket(impact=Impact(affected_users=10))
    body = api.as_(agent).patch(url(ticket), {
        "cos": "expedite", "cos_reason": "the director's class is affected"}).json()
    assert (body["cos"], body["cos_overridden"], body["priority"]) == ("expedite", True, 3)
    assert "the director's class is affected" in body["cos_rationale"]
    assert len(events(ticket.pk, "cos_overridden")) == 1


def test_an_overridden_class_survives_a_new_impact(api, agent, make_ticket):
    ticket = make_ticket(impact=Impact(affected_users=10))
    client = api.as_(agent)
    client.patch(url(ticket), {"cos": "expedite", "cos_reason": "director's class"})
    body = client.patch(url(ticket), {"impact": {"affected_users": 2}}).json()
    assert (body["cos"], body["cos_overridden"]) == ("expedite", True)
    assert Ticket.objects.get(pk=ticket.pk).cos == Cos.EXPEDITE


def test_a_current_version_lets_the_update_through(api, agent, ticket_of_requester):
    response = api.as_(agent).patch(url(ticket_of_requester), {
        "title": "WEB102 exam locked", "version": ticket_of_requester.version})
    assert response.status_code == 200, response.content
    assert Ticket.objects.get(pk=ticket_of_requester.pk).title == "WEB102 exam locked"
