"""Ingesting email: new tickets, replies threading onto them, escalation answers, follow-ups,
and mail that must change nothing (duplicates, auto-replies, bounces, opsdesk's own)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from opsdesk.accounts.models import SYSTEM_EMAIL, User
from opsdesk.inbound.batch import ingest_many
from opsdesk.inbound.models import InboundEmail, Outcome
from opsdesk.inbound.services import ingest_email
from opsdesk.tickets.escalations import Handoff
from opsdesk.tickets.models import (
    EscalationResponse,
    EscalationStatus,
    MailReference,
    Message,
    MessageKind,
    Stage,
    Ticket,
)
from opsdesk.tickets.services import visible_messages
from opsdesk.workflows.escalations import escalate

from .mails import REQUESTER, dsn, mail, sent_reference

pytestmark = pytest.mark.django_db

REPLY = "Yes, all 20 students of WEB102-HN see it."


def ingest(raw: bytes) -> InboundEmail:
    return ingest_email(raw=raw, mailbox="test")


def replies_of(ticket: Ticket) -> list[Message]:
    return list(ticket.messages.filter(kind__in=[MessageKind.REPLY, MessageKind.NOTE]))


def close(ticket: Ticket, days_ago: float) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(
        stage=Stage.CLOSED, closed_at=timezone.now() - timedelta(days=days_ago))
    ticket.refresh_from_db()


# A new thread ------------------------------------------------------------------------------


def test_a_new_email_creates_a_ticket_for_its_sender():
    raw = mail(message_id="<first@campus.example.edu.vn>")
    inbound = ingest(raw)

    assert inbound.outcome == Outcome.TICKET_CREATED
    ticket = inbound.ticket
    assert ticket.title == "Cannot open the WEB102 exam"
    assert ticket.description == "Hello, the exam page shows an error for our class."
    assert ticket.channel == "email" and ticket.language == "en"
    assert ticket.requester.email == "ngoc.a.le@campus.example.edu.vn"
    assert ticket.requester.name == "Le Ngoc A" and ticket.requester.is_requester
    assert ticket.created_by.email == SYSTEM_EMAIL
    stored = InboundEmail.objects.get(pk=inbound.pk)
    assert bytes(stored.raw) == raw
    assert stored.message_id == "<first@campus.example.edu.vn>"
    reference = MailReference.objects.get(header="<first@campus.example.edu.vn>")
    assert (reference.ticket, reference.outgoing) == (ticket, False)


def test_an_existing_requester_is_reused():
    ingest(mail(subject="First"))
    ingest(mail(subject="Second"))
    assert User.objects.filter(email="ngoc.a.le@campus.example.edu.vn").count() == 1
    assert Ticket.objects.count() == 2


def test_a_mail_without_subject_gets_a_placeholder_title():
    assert ingest(mail(subject="")).ticket.title == "(no subject)"


def test_a_vietnamese_email_creates_a_vietnamese_ticket():
    inbound = ingest(mail(subject="Không đăng nhập được LMS",
                          body="Chào anh chị, em không đăng nhập được vào hệ thống ạ."))
    assert inbound.ticket.language == "vi"
    assert inbound.ticket.requester.language == "vi"


def test_an_html_only_email_is_stored_as_text():
    raw = (b"From: a@example.com\r\nSubject: Exam\r\nMessage-ID: <h@x>\r\n"
           b"Content-Type: text/html; charset=utf-8\r\n\r\n"
           b"<p>The exam <b>page</b> is blank.</p><script>alert(1)</script>")
    assert ingest(raw).ticket.description == "The exam page is blank."


# Replies -----------------------------------------------------------------------------------


def test_a_reply_threads_by_in_reply_to(ticket_of_requester, requester):
    sent = sent_reference(ticket_of_requester)
    inbound = ingest(mail(subject="Re: something else", body=REPLY, in_reply_to=sent))

    assert inbound.outcome == Outcome.THREADED
    assert inbound.ticket == ticket_of_requester
    [message] = replies_of(ticket_of_requester)
    assert (message.kind, message.author, message.body, message.public) == (
        MessageKind.REPLY, requester, REPLY, True)
    assert inbound.timeline_message == message
    assert Ticket.objects.count() == 1


def test_a_reply_threads_by_references_when_in_reply_to_is_unknown(ticket_of_requester):
    sent = sent_reference(ticket_of_requester)
    inbound = ingest(mail(body=REPLY, in_reply_to="<unknown@elsewhere>",
                          references=f"<older@elsewhere> {sent} <unknown@elsewhere>"))
    assert inbound.outcome == Outcome.THREADED
    assert inbound.ticket == ticket_of_requester


def test_a_reply_threads_by_the_reference_in_its_subject(ticket_of_requester):
    inbound = ingest(mail(subject=f"Re: [{ticket_of_requester.ref}] Cannot open", body=REPLY))
    assert inbound.outcome == Outcome.THREADED
    assert replies_of(ticket_of_requester)[0].body == REPLY


def test_an_unknown_reference_in_the_subject_opens_a_new_ticket():
    inbound = ingest(mail(subject="Re: [#99999] Cannot open"))
    assert inbound.outcome == Outcome.TICKET_CREATED


def test_a_reply_to_a_received_mail_threads_onto_its_ticket():
    first = ingest(mail(message_id="<q1@campus.example.edu.vn>"))
    second = ingest(mail(subject="Re: Cannot open", body="One more detail.",
                         in_reply_to="<q1@campus.example.edu.vn>"))
    assert second.outcome == Outcome.THREADED
    assert second.ticket == first.ticket


def test_a_follower_replies_as_themselves(ticket_of_requester, other_requester):
    ticket_of_requester.followers.add(other_requester)
    sent = sent_reference(ticket_of_requester)
    ingest(mail(from_="Nguyen Thi Ha <ha.nguyen@campus.example.edu.vn>", body=REPLY,
                in_reply_to=sent))
    [message] = replies_of(ticket_of_requester)
    assert (message.kind, message.author) == (MessageKind.REPLY, other_requester)


def test_someone_not_on_the_ticket_becomes_an_internal_note(ticket_of_requester, requester):
    sent = sent_reference(ticket_of_requester)
    inbound = ingest(mail(from_="Stranger <stranger@example.com>", body="Me too!",
                          in_reply_to=sent))
    [message] = replies_of(ticket_of_requester)
    assert inbound.outcome == Outcome.THREADED
    assert message.kind == MessageKind.NOTE and not message.public
    assert "stranger@example.com" in message.body and "Me too!" in message.body
    assert not visible_messages(ticket=ticket_of_requester, viewer=requester).filter(
        pk=message.pk).exists()


def test_an_agent_answering_by_email_writes_a_note(ticket_of_requester, agent):
    sent = sent_reference(ticket_of_requester)
    ingest(mail(from_=f"Lan <{agent.email}>", body="Checked the logs.", in_reply_to=sent))
    [message] = replies_of(ticket_of_requester)
    assert (message.kind, message.author) == (MessageKind.NOTE, agent)


def test_an_agent_following_the_ticket_still_writes_a_note(ticket_of_requester, agent):
    ticket_of_requester.followers.add(agent)
    sent = sent_reference(ticket_of_requester)
    ingest(mail(from_=agent.email, body="Replied to her directly.", in_reply_to=sent))
    [message] = replies_of(ticket_of_requester)
    assert (message.kind, message.author) == (MessageKind.NOTE, agent)


def test_quoted_history_is_trimmed_but_kept_in_the_original(ticket_of_requester):
    sent = sent_reference(ticket_of_requester)
    body = (f"{REPLY}\n\nOn Mon, 3 Jun 2024 at 10:00, opsdesk <support@x> wrote:\n"
            "> How many students are affected?\n> Regards, Lan")
    inbound = ingest(mail(body=body, in_reply_to=sent))
    assert replies_of(ticket_of_requester)[0].body == REPLY
    assert b"How many students are affected?" in bytes(
        InboundEmail.objects.get(pk=inbound.pk).raw)


# Closed tickets ----------------------------------------------------------------------------


def test_mail_to_a_ticket_closed_over_a_week_ago_opens_a_follow_up(ticket_of_requester):
    close(ticket_of_requester, days_ago=8)
    inbound = ingest(mail(subject=f"Re: [{ticket_of_requester.ref}] Cannot open the exam",
                          body="It is broken again."))

    assert inbound.outcome == Outcome.FOLLOW_UP_CREATED
    follow_up = inbound.ticket
    assert follow_up != ticket_of_requester
    assert follow_up.follow_up_of == ticket_of_requester
    assert Ticket.objects.get(pk=follow_up.pk).follow_up_of_id == ticket_of_requester.pk
    assert follow_up.title == "Re: Cannot open the exam"
    assert follow_up.description == "It is broken again."
    assert replies_of(ticket_of_requester) == []
    assert ticket_of_requester.messages.filter(event="follow_up_opened").exists()


def test_a_second_late_reply_goes_to_the_follow_up_not_a_third_ticket(ticket_of_requester):
    sent = sent_reference(ticket_of_requester)
    close(ticket_of_requester, days_ago=30)
    first = ingest(mail(body="Broken again.", in_reply_to=sent))
    second = ingest(mail(body="Still broken.", in_reply_to=sent))
    assert second.outcome == Outcome.THREADED
    assert second.ticket == first.ticket
    assert Ticket.objects.count() == 2


def test_mail_to_a_merged_ticket_goes_on_to_the_ticket_it_was_merged_into(
        ticket_of_requester, agent):
    from opsdesk.tickets.services import TicketDraft
    from opsdesk.workflows.merging import merge_ticket
    from opsdesk.workflows.tickets import open_ticket

    target = open_ticket(actor=agent, draft=TicketDraft(
        requester=ticket_of_requester.requester, title="Exam page broken for the class"))
    merge_ticket(ticket=ticket_of_requester, into=target, actor=agent)
    inbound = ingest(mail(subject=f"Re: [{ticket_of_requester.ref}] Cannot open the exam",
                          body=REPLY))
    assert inbound.outcome == Outcome.THREADED and inbound.ticket == target
    assert [m.body for m in replies_of(target)][-1] == REPLY


def test_mail_to_a_ticket_closed_recently_threads_onto_it(ticket_of_requester):
    close(ticket_of_requester, days_ago=6)
    inbound = ingest(mail(subject=f"Re: [{ticket_of_requester.ref}]", body="Thanks!"))
    assert inbound.outcome == Outcome.THREADED
    assert inbound.ticket == ticket_of_requester


def test_the_reopen_window_is_a_setting(ticket_of_requester, settings):
    settings.OPSDESK_REOPEN_WINDOW_DAYS = 1
    close(ticket_of_requester, days_ago=2)
    inbound = ingest(mail(subject=f"Re: [{ticket_of_requester.ref}]", body="Again."))
    assert inbound.outcome == Outcome.FOLLOW_UP_CREATED


# Escalations -------------------------------------------------------------------------------


@pytest.fixture
def escalation(ticket_of_requester, agent, dev_team):
    return escalate(ticket=ticket_of_requester, actor=agent, team=dev_team, handoff=Handoff(
        impact_summary="20 students", findings="500 on submit", hypothesis="quota",
        workaround_status="none", ask="temporary fix", update_cadence_minutes=15))


def test_a_team_members_reply_to_an_escalation_is_its_response(escalation, engineer,
                                                                 requester):
    sent = sent_reference(escalation.ticket, escalation=escalation)
    inbound = ingest(mail(from_=f"Pham Duc Anh <{engineer.email}>", subject="Re: Escalation",
                          body="Quota raised; retry now.\n\n> the escalation", in_reply_to=sent))

    assert inbound.outcome == Outcome.ESCALATION_ANSWERED
    [response] = EscalationResponse.objects.filter(escalation=escalation)
    assert (response.author, response.body) == (engineer, "Quota raised; retry now.")
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ANSWERED
    assert inbound.timeline_message.event == "escalation_answered"
    assert not visible_messages(ticket=escalation.ticket, viewer=requester).filter(
        event="escalation_answered").exists()
    assert MailReference.objects.get(header=inbound.message_id).escalation == escalation


def test_a_further_reply_in_the_escalation_thread_is_another_response(escalation, engineer):
    sent = sent_reference(escalation.ticket, escalation=escalation)
    first = ingest(mail(from_=engineer.email, body="Looking.", in_reply_to=sent))
    ingest(mail(from_=engineer.email, body="Fixed.", in_reply_to=first.message_id))
    assert [r.body for r in escalation.responses.all()] == ["Looking.", "Fixed."]


def test_someone_outside_the_team_cannot_answer_an_escalation(escalation):
    sent = sent_reference(escalation.ticket, escalation=escalation)
    inbound = ingest(mail(from_="Stranger <stranger@example.com>", body="Fixed!",
                          in_reply_to=sent))
    assert inbound.outcome == Outcome.THREADED
    assert not EscalationResponse.objects.exists()
    assert inbound.timeline_message.kind == MessageKind.NOTE


# Mail that changes nothing -----------------------------------------------------------------


def test_the_same_message_twice_creates_nothing_new():
    raw = mail(message_id="<twice@campus.example.edu.vn>")
    first = ingest(raw)
    again = ingest(raw)
    assert again.outcome == Outcome.DUPLICATE and again.pk is None
    assert again.ticket_id == first.ticket_id
    assert InboundEmail.objects.count() == 1
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1  # its "created"


def test_the_same_reply_twice_is_added_once(ticket_of_requester):
    raw = mail(body=REPLY, in_reply_to=sent_reference(ticket_of_requester))
    ingest(raw)
    ingest(raw)
    assert len(replies_of(ticket_of_requester)) == 1


def test_a_message_without_message_id_is_recognised_when_it_comes_again():
    raw = b"From: a@example.com\r\nSubject: No id\r\n\r\nbody\r\n"
    assert ingest(raw).outcome == Outcome.TICKET_CREATED
    assert ingest(raw).outcome == Outcome.DUPLICATE
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"Precedence": "bulk"},
    {"X-Autoreply": "yes"},
    {"X-Autorespond": "yes"},
])
def test_an_auto_reply_is_stored_and_changes_nothing(ticket_of_requester, headers):
    sent = sent_reference(ticket_of_requester)
    inbound = ingest(mail(subject="Out of office", body="I am away until Monday.",
                          in_reply_to=sent, headers=headers))
    assert inbound.outcome == Outcome.IGNORED_AUTO_REPLY
    assert InboundEmail.objects.filter(pk=inbound.pk).exists()
    assert replies_of(ticket_of_requester) == []
    assert Ticket.objects.count() == 1


def test_an_auto_reply_never_opens_a_ticket():
    inbound = ingest(mail(headers={"Auto-Submitted": "auto-generated"}))
    assert inbound.outcome == Outcome.IGNORED_AUTO_REPLY
    assert not Ticket.objects.exists() and not User.objects.filter(
        email="ngoc.a.le@campus.example.edu.vn").exists()


def test_a_bounce_of_a_reply_is_stored_and_changes_nothing(ticket_of_requester):
    sent = sent_reference(ticket_of_requester)
    inbound = ingest(dsn(original_message_id=sent))
    assert inbound.outcome == Outcome.IGNORED_BOUNCE
    assert Ticket.objects.count() == 1
    assert replies_of(ticket_of_requester) == []


def test_mail_from_opsdesk_itself_is_ignored(settings):
    settings.DEFAULT_FROM_EMAIL = "opsdesk <support@opsdesk.example.edu.vn>"
    inbound = ingest(mail(from_="opsdesk <support@opsdesk.example.edu.vn>"))
    assert inbound.outcome == Outcome.IGNORED_LOOP
    assert not Ticket.objects.exists()


def test_a_copy_of_a_mail_opsdesk_sent_is_ignored(ticket_of_requester):
    sent = sent_reference(ticket_of_requester)
    inbound = ingest(mail(message_id=sent, from_="Lan <lan@support.example.edu.vn>"))
    assert inbound.outcome == Outcome.IGNORED_LOOP
    assert replies_of(ticket_of_requester) == []


def test_ingest_many_reports_what_happened():
    counts = ingest_many(raws=[mail(), mail(headers={"Precedence": "bulk"}), mail()])
    assert counts == {Outcome.TICKET_CREATED: 2, Outcome.IGNORED_AUTO_REPLY: 1}


def test_a_new_email_is_a_new_ticket_even_from_a_known_requester(requester):
    inbound = ingest(mail(from_=REQUESTER))
    assert inbound.ticket.requester == requester


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_mail_delivered_twice_at_once_makes_one_ticket(shipped_data):
    import threading

    from django.db import connection

    raw = mail(message_id="<race@campus.example.edu.vn>")
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def deliver():
        try:
            start.wait()
            outcomes.append(ingest_email(raw=raw).outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [Outcome.DUPLICATE] * 3 + [Outcome.TICKET_CREATED]
    assert Ticket.objects.count() == 1 and InboundEmail.objects.count() == 1
