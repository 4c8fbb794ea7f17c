"""An email is recorded as sent in the moment the mail server is told to take it, so a job
run again after its worker died sends nothing twice and leaves nothing unsent; a fan-out run
again sends what its first run wrote and never tried."""

import pytest

from opsdesk.communications import outgoing
from opsdesk.communications.tasks import fan_out_new_tickets, send_reply_email
from opsdesk.core.jobs import running_job
from opsdesk.tickets.models import MailReference, Message


class WorkerKilled(BaseException):
    """The worker's process dies where this is raised (no handler of Exception sees it)."""


def _ticket(api, agent, email: str = "ngoc.a.le@campus.example.edu.vn", **fields) -> int:
    body = {"title": "Cannot submit the WEB102 exam",
            "requester": {"name": "Le Ngoc A", "email": email}, **fields}
    response = api.as_(agent).post("/api/v1/tickets", body)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _reply(api, agent, ticket_id: int, body: str = "We are on it.") -> Message:
    response = api.as_(agent).post(f"/api/v1/tickets/{ticket_id}/messages",
                                   {"kind": "reply", "body": body})
    assert response.status_code == 201, response.content
    return Message.objects.select_related("ticket__requester", "author").get(
        pk=response.json()["id"])


@pytest.fixture
def ticket_id(api, agent, settings):
    settings.OPSDESK_AUTO_NOTIFY = False  # no ACK: the test's own reply is the only email
    return _ticket(api, agent)


def test_a_reply_is_recorded_sent_before_the_server_is_told_to_take_it(
        api, agent, ticket_id, smtp, monkeypatch):
    reply = _reply(api, agent, ticket_id)
    held_by_the_server = []
    real = outgoing._record_sent

    def record(message, message_id):
        held_by_the_server.append(len(smtp.received))
        return real(message, message_id)

    monkeypatch.setattr(outgoing, "_record_sent", record)
    with running_job():
        assert send_reply_email.call(message_id=reply.pk) == "sent"
    assert held_by_the_server == [0] and len(smtp.received) == 1
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.delivery_attempts) == ("sent", 1)
    assert MailReference.objects.filter(timeline_message=reply).count() == 1


def test_a_worker_killed_before_the_record_leaves_the_server_nothing_and_the_job_run_again_sends_once(  # noqa: E501
        api, agent, ticket_id, smtp, monkeypatch):
    reply = _reply(api, agent, ticket_id)

    def killed(message, message_id):
        raise WorkerKilled

    monkeypatch.setattr(outgoing, "_record_sent", killed)
    with running_job(), pytest.raises(WorkerKilled):
        send_reply_email.call(message_id=reply.pk)
    assert smtp.received == []  # the message was never finished: the server dropped it
    monkeypatch.undo()

    with running_job():
        assert send_reply_email.call(message_id=reply.pk) == "sent"
    with running_job():
        assert send_reply_email.call(message_id=reply.pk) == "skipped"
    assert [rcpt for rcpt, _ in smtp.received] == [[reply.ticket.requester.email]]


def test_a_worker_killed_while_handing_the_email_over_has_it_sent_by_the_job_run_again(
        api, agent, ticket_id, smtp, monkeypatch):
    """The record comes after the whole email is with the server: a worker dying during the
    hand-over has recorded nothing, so the job run again sends the email (once)."""
    import smtplib

    reply = _reply(api, agent, ticket_id)
    real_send = smtplib.SMTP.send

    def dies_mid_email(self, data):
        if isinstance(data, bytes) and b"Subject:" in data:
            real_send(self, data[:len(data) // 2])
            raise WorkerKilled
        return real_send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", dies_mid_email)
    with running_job(), pytest.raises(WorkerKilled):
        send_reply_email.call(message_id=reply.pk)
    monkeypatch.undo()
    reply.refresh_from_db()
    assert (reply.delivery_status, smtp.received) == ("pending", [])

    with running_job():
        assert send_reply_email.call(message_id=reply.pk) == "sent"
    assert len(smtp.received) == 1


def test_a_reply_another_run_sent_meanwhile_is_not_sent_and_the_next_email_still_goes(
        api, agent, ticket_id, smtp):
    first, second = _reply(api, agent, ticket_id, "First."), _reply(api, agent, ticket_id,
                                                                     "Second.")
    Message.objects.filter(pk=first.pk).update(delivery_status="sent")  # read before that
    with running_job():
        outcomes = outgoing.send_replies([first, second])
    assert outcomes == {first.pk: "sent already", second.pk: "sent"}
    [mail] = smtp.messages
    assert "Second." in mail.get_payload()


def test_a_fan_out_run_again_after_its_worker_died_sends_what_its_first_run_left_untried(
        api, agent, manager, smtp, settings, django_capture_on_commit_callbacks):
    """The first run committed the ACK and the notices, then its worker died before sending
    them; the job run again finds the ticket told, and sends those, once."""
    settings.OPSDESK_AUTO_NOTIFY = True
    requester = "binh.tran@campus.example.edu.vn"
    ticket = _ticket(api, agent, requester, impact={"affected_users": 60, "blocking": True})
    with running_job():  # what it sends once committed never runs: the worker is gone
        assert "manager" in fan_out_new_tickets.call(ticket_ids=[ticket], actor_id=agent.pk)
    assert smtp.received == []

    for _ in range(2):
        with running_job(), django_capture_on_commit_callbacks(execute=True):
            assert fan_out_new_tickets.call(ticket_ids=[ticket], actor_id=agent.pk) == "nobody"

    recipients = [address for rcpt, _ in smtp.received for address in rcpt]
    assert recipients.count(requester) == recipients.count(manager.email) == 1
    assert Message.objects.get(ticket=ticket, template="ack").delivery_status == "sent"
