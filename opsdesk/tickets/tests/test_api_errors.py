"""Refused requests: the documented error body, the right status, and nothing changed."""

import json

import pytest
from django.test import Client

from opsdesk.accounts.models import ApiToken
from opsdesk.accounts.services import create_token, revoke_token
from opsdesk.tickets import stages
from opsdesk.tickets.models import Stage
from opsdesk.tickets.services import Impact
from opsdesk.tickets.tests.refusals import assert_error, changes_nothing
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

pytestmark = pytest.mark.django_db

NEW_TICKET = {
    "title": "Cannot submit the DATA101 assignment",
    "requester": {"name": "Tran Van Binh", "email": "binh.tran@campus.example.edu.vn"},
}


def ticket_url(ticket, tail=""):
    return f"/api/v1/tickets/{ticket.pk}{tail}"


@pytest.fixture
def client(api, agent):
    return api.as_(agent)


@pytest.fixture
def raw_client(agent):
    """A client that returns server errors as responses instead of raising them."""
    _token, raw = create_token(user=agent)
    return Client(raise_request_exception=False, headers={"Authorization": f"Bearer {raw}"})


# --- authentication (401) -------------------------------------------------------------------

def test_a_request_without_a_token_is_refused(api, db):
    with changes_nothing():
        response = api.post("/api/v1/tickets", NEW_TICKET)
    assert_error(response, 401, "unauthorized")


def test_a_request_with_an_unknown_token_is_refused(db):
    response = Client().get("/api/v1/tickets", headers={"Authorization": "Bearer odk_made-up"})
    assert_error(response, 401, "unauthorized")


def test_a_revoked_token_is_refused(agent):
    token, raw = create_token(user=agent)
    revoke_token(token=token)
    with changes_nothing():
        response = Client().post("/api/v1/tickets", NEW_TICKET, content_type="application/json",
                                 headers={"Authorization": f"Bearer {raw}"})
    assert_error(response, 401, "unauthorized")


def test_the_token_of_a_deactivated_user_is_refused(api, agent):
    client = api.as_(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert_error(client.get("/api/v1/tickets"), 401, "unauthorized")


# --- invalid input (400/422) ----------------------------------------------------------------

def test_a_body_that_is_not_json_is_refused(client):
    with changes_nothing():
        response = client.post("/api/v1/tickets", '{"title": "Exam down",')
    assert_error(response, 400)


def test_a_ticket_without_a_title_is_refused(client):
    with changes_nothing():
        response = client.post("/api/v1/tickets", {**NEW_TICKET, "title": "   "})
    assert_error(response, 422, "invalid", fields=("title",))


def test_a_staff_created_ticket_without_a_requester_is_refused(client):
    with changes_nothing():
        response = client.post("/api/v1/tickets", {"title": "Exam down"})
    assert_error(response, 422, "invalid", fields=("requester",))


def test_a_failure_rate_above_one_is_refused(client):
    with changes_nothing():
        response = client.post("/api/v1/tickets", {**NEW_TICKET, "impact": {"failure_rate": 1.5}})
    assert_error(response, 422, "invalid", fields=("impact.failure_rate",))


def test_a_ticket_for_an_unknown_team_is_refused(client):
    response = client.post("/api/v1/tickets", {**NEW_TICKET, "team": "Night Shift"})
    assert_error(response, 422, "invalid", fields=("team",))


def test_a_ticket_for_an_unknown_team_from_a_known_requester_creates_nothing(client, requester):
    body = {**NEW_TICKET, "team": "Night Shift",
            "requester": {"name": requester.name, "email": requester.email}}
    with changes_nothing():
        response = client.post("/api/v1/tickets", body)
    assert_error(response, 422, "invalid", fields=("team",))


def test_a_refused_ticket_does_not_create_its_requester(client):
    with changes_nothing():
        response = client.post("/api/v1/tickets", {**NEW_TICKET, "team": "Night Shift"})
    assert_error(response, 422, "invalid", fields=("team",))


def test_a_ticket_with_duplicate_group_names_is_refused(client, requester):
    groups = [{"name": "WEB102-HN", "affected": 3}, {"name": "WEB102-HN", "affected": 4}]
    body = {**NEW_TICKET, "requester": {"email": requester.email}, "impact": {"groups": groups}}
    with changes_nothing():
        response = client.post("/api/v1/tickets", body)
    assert_error(response, 422, "invalid", fields=("impact.groups",))


def test_an_affected_users_count_beyond_the_column_is_refused(raw_client, requester):
    body = {**NEW_TICKET, "requester": {"email": requester.email},
            "impact": {"affected_users": 2**31}}
    with changes_nothing():
        response = raw_client.post("/api/v1/tickets", body, content_type="application/json")
    assert_error(response, 422, "invalid", fields=("impact.affected_users",))


def test_an_unknown_time_zone_is_refused(client, ticket_of_requester):
    response = client.get(ticket_url(ticket_of_requester), {"tz": "Asia/Hanoi_City"})
    assert_error(response, 422, "invalid", fields=("tz",))


def test_creating_with_an_unknown_time_zone_creates_nothing(client):
    with changes_nothing():
        response = client.post("/api/v1/tickets?tz=Mars/Olympus", NEW_TICKET)
    assert_error(response, 422, "invalid", fields=("tz",))


def test_a_ticket_id_that_is_not_a_number_is_refused(client):
    assert_error(client.get("/api/v1/tickets/forty-two"), 422, "invalid", fields=("ticket_id",))


# --- updates that are refused ---------------------------------------------------------------

def test_an_unknown_team_on_update_is_refused(client, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = client.patch(ticket_url(ticket_of_requester),
                                {"title": "Renamed", "team": "Night Shift"})
    assert_error(response, 422, "invalid", fields=("team",))


def test_assigning_a_requester_is_refused(client, other_requester, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = client.patch(ticket_url(ticket_of_requester),
                                {"assignee": other_requester.email})
    assert_error(response, 422, "invalid", fields=("assignee",))


def test_an_override_without_a_reason_is_refused(client, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = client.patch(ticket_url(ticket_of_requester),
                                {"title": "Renamed", "cos": "expedite", "cos_reason": " "})
    assert_error(response, 422, "invalid", fields=("cos_reason",))


def test_an_update_from_a_stale_version_is_refused(client, agent, ticket_of_requester):
    stale = ticket_of_requester.version
    ticket_workflow.update_ticket(ticket=ticket_of_requester, actor=agent, title="Exam locked")
    with changes_nothing(ticket_of_requester):
        response = client.patch(ticket_url(ticket_of_requester), {
            "title": "Renamed", "impact": {"affected_users": 54}, "version": stale})
    assert_error(response, 409, "stale_version", fields=("version",))


def test_an_override_from_a_stale_version_is_refused(client, agent, ticket_of_requester):
    stale = ticket_of_requester.version
    ticket_workflow.update_ticket(ticket=ticket_of_requester, actor=agent, title="Exam locked")
    with changes_nothing(ticket_of_requester):
        response = client.patch(ticket_url(ticket_of_requester), {
            "cos": "expedite", "cos_reason": "director's class", "version": stale})
    assert_error(response, 409, "stale_version")


def test_an_unknown_ticket_is_not_found(client, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = client.patch(f"/api/v1/tickets/{ticket_of_requester.pk + 1000}",
                                {"title": "Renamed"})
    assert_error(response, 404, "not_found")


# --- stage changes that are refused ---------------------------------------------------------

def test_a_new_ticket_cannot_be_closed_directly(client, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = client.post(ticket_url(ticket_of_requester, "/stage"), {
            "stage": "closed", "root_cause": "n/a", "resolution": "n/a"})
    assert_error(response, 409, "illegal_transition", fields=("stage",))


def test_a_closed_ticket_cannot_be_reopened(client, agent, ticket_of_requester):
    ticket_workflow.change_stage(ticket=ticket_of_requester, actor=agent, to=Stage.RESOLVED)
    ticket_workflow.change_stage(ticket=ticket_of_requester, actor=agent, to=Stage.CLOSED,
                          summary=stages.CloseSummary(root_cause="pool", resolution="rollback"))
    with changes_nothing(ticket_of_requester):
        response = client.post(ticket_url(ticket_of_requester, "/stage"), {"stage": "in_progress"})
    assert_error(response, 409, "illegal_transition")


def test_waiting_without_a_reason_is_refused(client, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = client.post(ticket_url(ticket_of_requester, "/stage"), {"stage": "waiting"})
    assert_error(response, 422, "invalid", fields=("waiting_reason",))


def test_closing_without_root_cause_and_resolution_is_refused(client, agent, ticket_of_requester):
    ticket_workflow.change_stage(ticket=ticket_of_requester, actor=agent, to=Stage.RESOLVED)
    with changes_nothing(ticket_of_requester):
        response = client.post(ticket_url(ticket_of_requester, "/stage"),
                               {"stage": "closed", "root_cause": "  "})
    assert_error(response, 422, "invalid", fields=("root_cause", "resolution"))


def test_an_unknown_stage_is_refused(client, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = client.post(ticket_url(ticket_of_requester, "/stage"), {"stage": "done"})
    assert_error(response, 422, "invalid", fields=("stage",))


def test_a_stage_change_from_a_stale_version_is_refused(client, agent, ticket_of_requester):
    stale = ticket_of_requester.version
    ticket_workflow.update_ticket(
        ticket=ticket_of_requester, actor=agent, title="Exams: nothing saves")
    with changes_nothing(ticket_of_requester):
        response = client.post(ticket_url(ticket_of_requester, "/stage"),
                               {"stage": "in_progress", "version": stale})
    assert_error(response, 409, "stale_version", fields=("version",))


def test_an_empty_message_is_refused(client, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = client.post(ticket_url(ticket_of_requester, "/messages"),
                               {"kind": "reply", "body": ""})
    assert_error(response, 422, "invalid", fields=("body",))


def test_a_message_of_an_unknown_kind_is_refused(client, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = client.post(ticket_url(ticket_of_requester, "/messages"),
                               {"kind": "comment", "body": "hello"})
    assert_error(response, 422, "invalid", fields=("kind",))


# --- the error format outside the handlers --------------------------------------------------

def test_a_body_that_is_too_large_is_refused_with_413(raw_client, ticket_of_requester):
    body = json.dumps({"kind": "note", "body": "x" * 3_000_000})
    with changes_nothing(ticket_of_requester):
        response = raw_client.post(ticket_url(ticket_of_requester, "/messages"), body,
                                   content_type="application/json")
    assert_error(response, 413)


def test_an_unknown_api_path_answers_in_the_error_format(client):
    assert_error(client.get("/api/v1/tikets"), 404, "not_found")


def test_an_unsupported_method_answers_in_the_error_format(raw_client, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = raw_client.delete(ticket_url(ticket_of_requester))
    assert_error(response, 405)


def test_a_refused_override_rolls_back_the_changes_sent_with_it(client, make_ticket):
    ticket = make_ticket(impact=Impact(affected_users=54, groups=[("WEB102-HN", 20)]),
                         tags=["exam"])
    with changes_nothing(ticket):
        response = client.patch(ticket_url(ticket), {
            "tags": ["login"], "impact": {"affected_users": 2, "groups": []},
            "cos": "priority", "cos_reason": ""})
    assert_error(response, 422, "invalid", fields=("cos_reason",))


def test_revoking_a_token_stops_it_at_once(api, agent, ticket_of_requester):
    client = api.as_(agent)
    assert client.get(ticket_url(ticket_of_requester)).status_code == 200
    revoke_token(token=ApiToken.objects.get(user=agent))
    assert_error(client.get(ticket_url(ticket_of_requester)), 401, "unauthorized")


def test_a_created_after_without_an_offset_is_refused(client):
    response = client.get("/api/v1/tickets", {"created_after": "2026-02-20T15:10:00"})
    assert_error(response, 422, "invalid", fields=("created_after",))


def test_a_message_does_not_make_a_clients_version_stale(client, agent, ticket_of_requester):
    version = ticket_of_requester.version
    message_workflow.add_message(ticket=ticket_of_requester, actor=agent, kind="note",
                                 body="Checking.")
    response = client.patch(ticket_url(ticket_of_requester),
                            {"title": "Exams cannot be submitted", "version": version})
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == version + 1
