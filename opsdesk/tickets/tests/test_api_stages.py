"""Stages, messages and the timeline of a ticket over the REST API."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from opsdesk.tickets.models import Message, Stage, Ticket
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

pytestmark = pytest.mark.django_db

CLOSE_SUMMARY = {"root_cause": "Connection pool misconfigured by a deployment",
                 "resolution": "Configuration rolled back, pool restarted"}


def stage_url(ticket):
    return f"/api/v1/tickets/{ticket.pk}/stage"


@pytest.fixture
def client(api, agent):
    return api.as_(agent)


@pytest.fixture
def resolved_ticket(agent, ticket_of_requester):
    return ticket_workflow.change_stage(ticket=ticket_of_requester, actor=agent, to=Stage.RESOLVED)


def test_it_starts_work_on_a_new_ticket(client, ticket_of_requester):
    response = client.post(stage_url(ticket_of_requester), {"stage": "in_progress"})
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "in_progress"
    assert Ticket.objects.get(pk=ticket_of_requester.pk).stage == Stage.IN_PROGRESS


def test_every_stage_change_is_an_event(client, ticket_of_requester):
    client.post(stage_url(ticket_of_requester), {"stage": "in_progress", "reason": "on it"})
    [event] = Message.objects.filter(ticket=ticket_of_requester, event="stage_changed")
    assert (event.data["from"], event.data["to"], event.data["reason"]) == (
        "new", "in_progress", "on it")


def test_it_waits_on_the_dev_team(client, ticket_of_requester):
    body = client.post(stage_url(ticket_of_requester),
                       {"stage": "waiting", "waiting_reason": "dev_team"}).json()
    assert (body["stage"], body["waiting_reason"]) == ("waiting", "dev_team")


def test_leaving_waiting_clears_the_waiting_reason(client, agent, ticket_of_requester):
    ticket_workflow.change_stage(ticket=ticket_of_requester, actor=agent, to=Stage.WAITING,
                          waiting_reason="customer")
    body = client.post(stage_url(ticket_of_requester), {"stage": "in_progress"}).json()
    assert (body["stage"], body["waiting_reason"]) == ("in_progress", None)


def test_resolving_stamps_the_resolution_time(client, ticket_of_requester):
    body = client.post(stage_url(ticket_of_requester), {"stage": "resolved"}).json()
    assert body["resolved_at"] is not None
    assert Ticket.objects.get(pk=ticket_of_requester.pk).resolved_at is not None


def test_it_closes_a_resolved_ticket_with_its_summary(client, resolved_ticket):
    response = client.post(stage_url(resolved_ticket), {
        "stage": "closed", **CLOSE_SUMMARY, "lessons": "Review deployments touching the DB"})
    assert response.status_code == 200, response.content
    stored = Ticket.objects.get(pk=resolved_ticket.pk)
    assert (stored.stage, stored.root_cause, stored.lessons) == (
        Stage.CLOSED, CLOSE_SUMMARY["root_cause"], "Review deployments touching the DB")
    assert stored.closed_at is not None


def test_reopening_a_resolved_ticket_clears_its_resolution_time(client, resolved_ticket):
    body = client.post(stage_url(resolved_ticket), {"stage": "in_progress"}).json()
    assert body["resolved_at"] is None


# --- messages -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["note", "reply"])
def test_an_agent_adds_a_message(client, ticket_of_requester, kind):
    response = client.post(f"/api/v1/tickets/{ticket_of_requester.pk}/messages",
                           {"kind": kind, "body": "Checking the exam service now."})
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == kind
    message = Message.objects.get(ticket=ticket_of_requester, kind=kind)
    assert (message.body, message.public) == ("Checking the exam service now.", kind == "reply")


def test_the_messages_list_shows_notes_and_replies_in_order(client, agent, ticket_of_requester):
    for kind in ("note", "reply"):
        message_workflow.add_message(ticket=ticket_of_requester, actor=agent, kind=kind, body=kind)
    items = client.get(f"/api/v1/tickets/{ticket_of_requester.pk}/messages").json()["items"]
    assert [(m["kind"], m["event"]) for m in items if m["event"] in (None, "created")] == [
        ("event", "created"), ("note", None), ("reply", None)]


def test_messages_come_in_pages(client, agent, ticket_of_requester):
    for n in range(4):
        message_workflow.add_message(
            ticket=ticket_of_requester, actor=agent, kind="note", body=str(n))
    path = f"/api/v1/tickets/{ticket_of_requester.pk}/messages"
    seen, cursor = [], None
    while True:
        page = client.get(path, {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len({m["id"] for m in seen}) == len(seen)
    assert [m["body"] for m in seen if m["kind"] == "note"] == ["0", "1", "2", "3"]


# --- timeline -------------------------------------------------------------------------------

def test_the_timeline_gives_the_four_phases(client, ticket_of_requester):
    body = client.get(f"/api/v1/tickets/{ticket_of_requester.pk}/timeline").json()
    assert set(body["phases"]) == {"ack", "investigation", "fix", "verification"}


def test_the_phases_are_timed_from_the_first_reply_to_resolution(client, agent, make_ticket):
    received = datetime(2026, 2, 20, 8, 10, tzinfo=UTC)
    with time_machine.travel(received + timedelta(minutes=1), tick=False) as clock:
        ticket = make_ticket(received_at=received)
        message_workflow.add_message(ticket=ticket, actor=agent, kind="note", body="Assessing.")
        clock.move_to(received + timedelta(minutes=6))
        message_workflow.add_message(ticket=ticket, actor=agent, kind="reply", body="We are on it.")
        clock.move_to(received + timedelta(minutes=25))
        ticket_workflow.change_stage(ticket=ticket, actor=agent, to=Stage.RESOLVED)
    phases = client.get(f"/api/v1/tickets/{ticket.pk}/timeline").json()["phases"]
    assert phases == {"ack": 6, "investigation": 19, "fix": 0, "verification": 0}


def test_a_note_does_not_count_as_acknowledgement(client, agent, ticket_of_requester):
    message_workflow.add_message(ticket=ticket_of_requester, actor=agent, kind="note",
                                 body="Looking.")
    phases = client.get(f"/api/v1/tickets/{ticket_of_requester.pk}/timeline").json()["phases"]
    assert phases["ack"] is None


def test_the_timeline_is_in_time_order(client, agent, make_ticket):
    start = datetime(2026, 2, 20, 8, 10, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        ticket = make_ticket()
        clock.move_to(start + timedelta(minutes=5))
        message_workflow.add_message(ticket=ticket, actor=agent, kind="reply", body="ACK")
        clock.move_to(start + timedelta(minutes=7))
        ticket_workflow.change_stage(ticket=ticket, actor=agent, to=Stage.IN_PROGRESS)
    items = client.get(f"/api/v1/tickets/{ticket.pk}/timeline").json()["items"]
    times = [m["created_at"] for m in items]
    assert times == sorted(times)
    mine = [m["event"] or m["kind"] for m in items
            if m["event"] in (None, "created", "stage_changed")]
    assert mine == ["created", "reply", "stage_changed"]
