"""Email out and back in: answers to the mail opsdesk really sends thread onto their ticket,
and an out-of-office answer to an automatic ACK never starts a loop."""

import pytest

from opsdesk.inbound.models import Outcome
from opsdesk.inbound.services import ingest_email
from opsdesk.tickets import escalations
from opsdesk.tickets.models import EscalationStatus, MessageKind, Ticket
from opsdesk.workflows import escalations as escalation_workflow
from opsdesk.workflows.messages import add_message

from .mails import mail

pytestmark = pytest.mark.django_db


def sent_headers(outbox, index=-1):
    message = outbox[index].message()
    return message["Message-ID"], message["Subject"], message["Auto-Submitted"]


def test_the_requester_answers_the_agents_reply_by_email(
        agent, mailoutbox, run_tasks, django_capture_on_commit_callbacks):
    ticket = ingest_email(raw=mail()).ticket
    with django_capture_on_commit_callbacks(execute=True):
        add_message(ticket=ticket, actor=agent, kind=MessageKind.REPLY,
                    body="Which class are you in?")
    run_tasks()
    message_id, subject, _ = sent_headers(mailoutbox)

    answer = ingest_email(raw=mail(subject=f"Re: {subject}", body="WEB102-HN.",
                                   in_reply_to=message_id, references=message_id))

    assert answer.outcome == Outcome.THREADED and answer.ticket == ticket
    last = ticket.messages.filter(kind=MessageKind.REPLY).last()
    assert (last.author, last.body) == (ticket.requester, "WEB102-HN.")
    assert Ticket.objects.count() == 1


def test_the_engineer_answers_the_escalation_email(
        agent, engineer, dev_team, mailoutbox, run_tasks, django_capture_on_commit_callbacks):
    ticket = ingest_email(raw=mail()).ticket
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalation_workflow.escalate(
            ticket=ticket, actor=agent, team=dev_team, handoff=escalations.Handoff(
                impact_summary="20 students", findings="500 on submit", hypothesis="quota",
                workaround_status="none", ask="temporary fix", update_cadence_minutes=15))
    run_tasks()
    message_id, subject, _ = sent_headers(mailoutbox)

    answer = ingest_email(raw=mail(from_=engineer.email, subject=f"Re: {subject}",
                                   body="Quota raised.", in_reply_to=message_id))

    assert answer.outcome == Outcome.ESCALATION_ANSWERED
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ANSWERED
    assert escalation.responses.get().body == "Quota raised."


def test_an_out_of_office_answer_to_the_automatic_ack_is_ignored(
        mailoutbox, run_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ingest_email(raw=mail()).ticket
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()  # the fan-out: the automatic ACK, which queues its email
    run_tasks()
    ack_id, subject, auto_submitted = sent_headers(mailoutbox)
    assert auto_submitted == "auto-replied"
    sent_before = len(mailoutbox)

    with django_capture_on_commit_callbacks(execute=True):
        away = ingest_email(raw=mail(subject=f"Automatic reply: {subject}", in_reply_to=ack_id,
                                     body="I am away.", headers={"Auto-Submitted": "auto-replied"}))
    run_tasks()

    assert away.outcome == Outcome.IGNORED_AUTO_REPLY and away.ticket == ticket
    assert len(mailoutbox) == sent_before
    assert not ticket.messages.filter(kind=MessageKind.REPLY,
                                      author=ticket.requester).exists()
