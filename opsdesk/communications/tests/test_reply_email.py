"""Replies reach the requester and followers by real SMTP, threaded; notes never do."""

import pytest

from opsdesk.accounts.models import Role
from opsdesk.accounts.services import create_user
from opsdesk.communications.tests.conftest import body_of
from opsdesk.tickets import services
from opsdesk.tickets.models import MailReference, Message
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

NOTE = "Internal: the DB password was rotated by Minh at 15:00"


@pytest.fixture
def ticket(agent, requester):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail"))
    follower = create_user(email="vice@campus.example.edu.vn", role=Role.REQUESTER)
    ticket.followers.add(follower)
    return ticket


def _reply(ticket, agent, body, captured):
    with captured(execute=True):
        return message_workflow.add_message(ticket=ticket, actor=agent, kind="reply", body=body)


def test_a_reply_reaches_the_requester_and_followers(ticket, agent, smtp, run_tasks,
                                                     django_capture_on_commit_callbacks):
    message = _reply(ticket, agent, "We are on it.", django_capture_on_commit_callbacks)
    assert run_tasks() == 1
    [(rcpt, mail)] = smtp.received
    assert sorted(rcpt) == ["ngoc.a.le@campus.example.edu.vn", "vice@campus.example.edu.vn"]
    assert mail["Subject"] == f"[{ticket.ref}] Re: Exams fail"
    assert body_of(mail).strip() == "We are on it."
    assert MailReference.objects.get(header=mail["Message-ID"]).timeline_message == message
    message.refresh_from_db()
    assert message.delivery_status == "sent"


def test_the_second_reply_threads_on_the_first(ticket, agent, smtp, run_tasks,
                                               django_capture_on_commit_callbacks):
    _reply(ticket, agent, "First.", django_capture_on_commit_callbacks)
    run_tasks()
    _reply(ticket, agent, "Second.", django_capture_on_commit_callbacks)
    run_tasks()
    first, second = smtp.messages
    assert second["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in second["References"]


def test_a_note_is_never_emailed(ticket, agent, smtp, run_tasks,
                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message_workflow.add_message(ticket=ticket, actor=agent, kind="note", body=NOTE)
    _reply(ticket, agent, "Fixed now, please try again.", django_capture_on_commit_callbacks)
    run_tasks()
    assert len(smtp.messages) == 1
    assert all(NOTE not in m.as_string() for m in smtp.messages)
    assert Message.objects.get(body=NOTE).delivery_status == "none"


def test_the_requesters_own_reply_is_not_emailed_back(ticket, requester, smtp, run_tasks,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message_workflow.add_message(
            ticket=ticket, actor=requester, kind="reply", body="Still broken")
    assert run_tasks() == 0
    assert smtp.messages == []


def test_a_failed_delivery_is_retried_then_reported_on_the_ticket(
        ticket, agent, smtp_down, run_tasks, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    message = _reply(ticket, agent, "We are on it.", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_attempts) == ("pending", 1)
    retry = DBTaskResult.objects.ready().count(), DBTaskResult.objects.count()
    assert retry == (0, 2)  # the retry waits 30 s before it may run
    for attempt in range(2, 6):
        DBTaskResult.objects.filter(status="READY").update(run_after=message.created_at)
        with django_capture_on_commit_callbacks(execute=True):
            run_tasks()
        message.refresh_from_db()
        assert message.delivery_attempts == attempt
    assert message.delivery_status == "failed"
    assert ticket.messages.filter(event="delivery_failed").count() == 1


def _queued_jobs():
    """(task, whether it waits before running) of each queued job."""
    from django_tasks_db.models import DBTaskResult

    return [(path.rsplit(".", 1)[1], run_after.year < 9999)  # the queue's "at once" is 9999
            for path, run_after in DBTaskResult.objects.values_list("task_path", "run_after")]


def test_a_reply_a_worker_job_writes_is_emailed_within_that_job(
        ticket, agent, smtp, django_capture_on_commit_callbacks):
    from opsdesk.core.jobs import running_job

    with running_job():  # as the fan-out or a playbook does
        message = _reply(ticket, agent, "We are on it.", django_capture_on_commit_callbacks)
    [(rcpt, mail)] = smtp.received
    assert "ngoc.a.le@campus.example.edu.vn" in rcpt and body_of(mail).strip() == "We are on it."
    message.refresh_from_db()
    assert message.delivery_status == "sent" and _queued_jobs() == []


def test_a_reply_a_worker_job_cannot_email_is_queued_to_try_again(
        ticket, agent, smtp_down, django_capture_on_commit_callbacks):
    from opsdesk.core.jobs import running_job

    with running_job():
        message = _reply(ticket, agent, "We are on it.", django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_attempts) == ("pending", 1)
    assert _queued_jobs() == [("send_reply_email", True)]  # tried again after a delay


def test_a_job_failing_unexpectedly_within_another_is_queued(
        ticket, agent, smtp, django_capture_on_commit_callbacks, monkeypatch):
    from opsdesk.communications import tasks
    from opsdesk.core.jobs import running_job

    def broken(messages):
        raise RuntimeError("template engine exploded")

    monkeypatch.setattr(tasks, "send_replies", broken)
    with running_job():
        _reply(ticket, agent, "We are on it.", django_capture_on_commit_callbacks)
    assert smtp.received == []
    assert _queued_jobs() == [("send_reply_email", False)]  # the worker tries it on its own


def _expedite_tickets(agent, requester, count):
    return [ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title=f"Exams fail {n}",
        impact=services.Impact(affected_users=60, blocking=True))).pk
            for n in range(count)]


def test_the_emails_of_a_job_share_one_smtp_session(
        agent, requester, manager, dev_team, smtp, django_capture_on_commit_callbacks):
    from opsdesk.communications.tasks import fan_out_new_tickets
    from opsdesk.core.jobs import running_job

    ticket_ids = _expedite_tickets(agent, requester, 2)
    with running_job(), django_capture_on_commit_callbacks(execute=True):
        fan_out_new_tickets.call(ticket_ids=ticket_ids, actor_id=agent.pk)
    assert len(smtp.received) == 6  # each ticket's ACK, manager notice and dev alert
    assert len(smtp.sessions) == 1


def test_a_job_whose_mail_server_hangs_up_tries_it_once_and_keeps_every_email(
        agent, requester, manager, dev_team, smtp_hangs_up,
        django_capture_on_commit_callbacks):
    from opsdesk.communications.tasks import fan_out_new_tickets
    from opsdesk.core.jobs import running_job
    from opsdesk.notifications.models import Notification

    ticket_ids = _expedite_tickets(agent, requester, 2)
    with running_job(), django_capture_on_commit_callbacks(execute=True):
        fan_out_new_tickets.call(ticket_ids=ticket_ids, actor_id=agent.pk)
    assert smtp_hangs_up == [1]
    assert sorted(_queued_jobs()) == [("deliver_notification_email", False)] * 4 + [
        ("send_reply_email", True)] * 2  # each to be tried again
    assert set(Message.objects.filter(template="ack").values_list(
        "delivery_status", flat=True)) == {"pending"}
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"failed"}


def test_an_email_failing_on_the_jobs_session_leaves_the_next_one_a_new_session(smtp):
    import smtplib

    from django.core.mail import EmailMessage

    from opsdesk.core.mail import one_session, send_email

    smtp.refused.add("gone@campus.example.edu.vn")
    with one_session():
        send_email(EmailMessage("First", "1", to=["ngoc.a.le@campus.example.edu.vn"]))
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            send_email(EmailMessage("Second", "2", to=["gone@campus.example.edu.vn"]))
        send_email(EmailMessage("Third", "3", to=["ngoc.a.le@campus.example.edu.vn"]))
    assert [m["Subject"] for m in smtp.messages] == ["First", "Third"]
    assert len(smtp.sessions) == 2


def test_a_reply_emailed_within_the_job_is_not_read_again(
        ticket, agent, smtp, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opsdesk.core.jobs import running_job

    with running_job():
        with django_capture_on_commit_callbacks() as on_commit:
            message = message_workflow.add_message(ticket=ticket, actor=agent, kind="reply",
                                           body="We are on it.")
        with CaptureQueriesContext(connection) as queries:
            for callback in on_commit:
                callback()
    [(_, mail)] = smtp.received
    assert body_of(mail).strip() == "We are on it."
    assert not [q for q in queries if q["sql"].startswith("SELECT")
                and 'FROM "tickets_message"' in q["sql"]]
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_attempts) == ("sent", 1)


def test_a_job_run_in_place_reads_what_it_was_not_handed(
        ticket, agent, smtp, django_capture_on_commit_callbacks):
    """Handed another reply than the one it is for, the job emails its own, read by id."""
    from opsdesk.communications.tasks import send_reply_email
    from opsdesk.core.jobs import after_commit, running_job

    first = _reply(ticket, agent, "First.", django_capture_on_commit_callbacks)
    second = _reply(ticket, agent, "Second.", django_capture_on_commit_callbacks)
    smtp.received.clear()
    Message.objects.filter(pk=second.pk).update(delivery_status="pending")
    with running_job(), django_capture_on_commit_callbacks(execute=True):
        after_commit(send_reply_email, message_id=second.pk, handing_over=first)
    [(_, mail)] = smtp.received
    assert body_of(mail).strip() == "Second."


def test_a_reply_names_the_latest_ten_message_ids_of_a_long_thread(
        ticket, agent, smtp, run_tasks, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now() - timedelta(hours=1)
    MailReference.objects.bulk_create(
        MailReference(header=f"<m{n}@campus.example.edu.vn>", ticket=ticket, outgoing=False,
                      created_at=start + timedelta(minutes=n)) for n in range(12))
    _reply(ticket, agent, "Still on it.", django_capture_on_commit_callbacks)
    run_tasks()
    [mail] = smtp.messages
    assert mail["In-Reply-To"] == "<m11@campus.example.edu.vn>"
    assert mail["References"].split() == [f"<m{n}@campus.example.edu.vn>" for n in range(2, 12)]
