"""Idempotency-Key: a repeated write returns the first result and creates nothing new."""

import pytest

from opsdesk.accounts.models import ApiToken
from opsdesk.accounts.services import revoke_token
from opsdesk.core.models import IdempotencyKey
from opsdesk.tickets.models import Message, Ticket
from opsdesk.tickets.tests.refusals import assert_error, changes_nothing

pytestmark = pytest.mark.django_db

NEW_TICKET = {
    "title": "Exam submission system down",
    "requester": {"name": "Le Ngoc A", "email": "ngoc.a.le@campus.example.edu.vn"},
    "impact": {"affected_users": 54},
}
KEY = {"Idempotency-Key": "lms-alert-7f3a"}


@pytest.fixture
def client(api, agent):
    return api.as_(agent)


def test_a_repeated_create_returns_the_first_ticket(client):
    first = client.post("/api/v1/tickets", NEW_TICKET, headers=KEY)
    again = client.post("/api/v1/tickets", NEW_TICKET, headers=KEY)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()


def test_a_repeated_create_makes_one_ticket(client):
    for _ in range(3):
        client.post("/api/v1/tickets", NEW_TICKET, headers=KEY)
    assert Ticket.objects.count() == 1


def test_a_replay_says_it_is_one(client):
    first = client.post("/api/v1/tickets", NEW_TICKET, headers=KEY)
    again = client.post("/api/v1/tickets", NEW_TICKET, headers=KEY)
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"


def test_without_a_key_each_create_makes_a_ticket(client):
    client.post("/api/v1/tickets", NEW_TICKET)
    client.post("/api/v1/tickets", NEW_TICKET)
    assert Ticket.objects.count() == 2


def test_a_key_reused_for_a_different_body_is_refused(client):
    client.post("/api/v1/tickets", NEW_TICKET, headers=KEY)
    with changes_nothing():
        response = client.post("/api/v1/tickets", {**NEW_TICKET, "title": "Login down"},
                               headers=KEY)
    assert_error(response, 422, "idempotency_key_reused")


def test_a_key_reused_on_another_path_is_refused(client, ticket_of_requester):
    client.post("/api/v1/tickets", NEW_TICKET, headers=KEY)
    with changes_nothing(ticket_of_requester):
        response = client.post(f"/api/v1/tickets/{ticket_of_requester.pk}/stage",
                               NEW_TICKET, headers=KEY)
    assert_error(response, 422, "idempotency_key_reused")


def test_a_refused_request_keeps_no_key(client):
    with changes_nothing():
        response = client.post("/api/v1/tickets", {**NEW_TICKET, "title": ""}, headers=KEY)
    assert_error(response, 422)
    assert IdempotencyKey.objects.count() == 0


def test_a_refused_request_repeated_with_its_key_is_refused_again(client):
    bad = {**NEW_TICKET, "impact": {"failure_rate": 2}}
    client.post("/api/v1/tickets", bad, headers=KEY)
    with changes_nothing():
        response = client.post("/api/v1/tickets", bad, headers=KEY)
    assert_error(response, 422, "invalid", fields=("impact.failure_rate",))


def test_a_refused_request_can_be_fixed_and_sent_with_the_same_key(client):
    client.post("/api/v1/tickets", {**NEW_TICKET, "impact": {"failure_rate": 2}}, headers=KEY)
    response = client.post("/api/v1/tickets", NEW_TICKET, headers=KEY)
    assert response.status_code == 201, response.content
    assert Ticket.objects.count() == 1


def test_the_same_key_from_two_tokens_makes_two_tickets(api, agent):
    first = api.as_(agent).post("/api/v1/tickets", NEW_TICKET, headers=KEY)
    second = api.as_(agent).post("/api/v1/tickets", NEW_TICKET, headers=KEY)
    assert first.json()["id"] != second.json()["id"]
    assert "Idempotent-Replayed" not in second
    assert Ticket.objects.count() == 2


def test_a_repeated_message_is_added_once(client, ticket_of_requester):
    path = f"/api/v1/tickets/{ticket_of_requester.pk}/messages"
    for _ in range(2):
        client.post(path, {"kind": "reply", "body": "We are on it."}, headers=KEY)
    assert Message.objects.filter(ticket=ticket_of_requester, kind="reply").count() == 1


def test_a_key_longer_than_200_characters_is_refused(client):
    with changes_nothing():
        response = client.post("/api/v1/tickets", NEW_TICKET,
                               headers={"Idempotency-Key": "k" * 201})
    assert_error(response, 400, "invalid")


def test_a_revoked_token_gets_no_replay(client):
    client.post("/api/v1/tickets", NEW_TICKET, headers=KEY)
    revoke_token(token=ApiToken.objects.get())
    assert_error(client.post("/api/v1/tickets", NEW_TICKET, headers=KEY), 401, "unauthorized")
