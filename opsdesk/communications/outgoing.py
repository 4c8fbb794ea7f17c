"""Email of replies to the requester and followers. Notes are never emailed: only a
message of kind `reply` is ever read here."""

from collections.abc import Iterable, Sequence
from datetime import timedelta
from email.utils import make_msgid
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from opsdesk.core.jobs import after_commit
from opsdesk.core.mail import send_email
from opsdesk.tickets.models import (
    DeliveryStatus,
    MailReference,
    Message,
    MessageKind,
    Ticket,
)

THREAD_DEPTH = 10  # Message-IDs named in a reply's References
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10),
                timedelta(minutes=30))


def recipients(ticket: Ticket, author_id: int) -> list[str]:
    """The requester and the followers, except whoever wrote the reply."""
    people = [ticket.requester, *ticket.followers.all()]
    return list(dict.fromkeys(p.email for p in people
                              if p.pk != author_id and p.is_active and p.role != "system"))


def subject_for(message: Message) -> str:
    """The email subject, always tagged with the ticket reference for threading."""
    ticket = message.ticket
    subject: str = message.data.get("subject", "")  # rendered with the reply, if it was
    if not subject and message.template:
        from .rendering import render

        subject = render(key=message.template, ticket=ticket).subject
    subject = subject or f"Re: {ticket.title}"
    return subject if ticket.ref in subject else f"[{ticket.ref}] {subject}"


def queue_reply_emails(messages: Sequence[Message]) -> None:
    """Mark the replies that have someone to go to for delivery, and send each from the
    worker once committed."""
    from .tasks import send_reply_email

    replies = [message for message in messages
               if message.kind == MessageKind.REPLY and message.author.is_desk_staff
               and recipients(message.ticket, message.author_id)]
    if not replies:
        return
    Message.objects.filter(pk__in=[reply.pk for reply in replies]) \
        .update(delivery_status=DeliveryStatus.PENDING)
    for reply in replies:
        reply.delivery_status = DeliveryStatus.PENDING
        after_commit(send_reply_email, message_id=reply.pk, handing_over=reply)


def _threads(tickets: Iterable[Ticket]) -> dict[int, list[str]]:
    """Each ticket's latest THREAD_DEPTH Message-IDs (newest first), to thread a reply on."""
    threads: dict[int, list[str]] = {ticket.pk: [] for ticket in tickets}
    latest = Window(RowNumber(), partition_by=F("ticket_id"), order_by=F("created_at").desc())
    for ticket_id, header in MailReference.objects.filter(ticket__in=list(threads)) \
            .annotate(latest=latest).filter(latest__lte=THREAD_DEPTH) \
            .order_by("ticket_id", "-created_at").values_list("ticket_id", "header"):
        threads[ticket_id].append(header)
    return threads


def _thread_headers(previous: list[str]) -> dict[str, str]:
    if not previous:
        return {}
    return {"In-Reply-To": previous[0], "References": " ".join(reversed(previous[:THREAD_DEPTH]))}


def send_replies(messages: Sequence[Message]) -> dict[int, str | OSError]:
    """Send replies by email now, each threaded on its ticket's mail so far and recorded as
    sent, its Message-ID registered, as the mail server takes it (so no run of a job sends
    one twice); returns each reply's outcome: "sent", "sent already" or the error."""
    assert all(m.kind == MessageKind.REPLY for m in messages)  # a note must never get here
    threads = _threads(message.ticket for message in messages)
    outcomes: dict[int, str | OSError] = {}
    for message in messages:
        ticket = message.ticket
        message_id = make_msgid(domain=settings.OPSDESK_MAIL_DOMAIN)
        auto = "auto-replied" if message.author.role == "system" else "no"
        email = EmailMessage(
            subject=subject_for(message), body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL, to=recipients(ticket, message.author_id),
            headers={"Message-ID": message_id, **_thread_headers(threads[ticket.pk]),
                     "Auto-Submitted": auto},
        )
        try:
            sent = send_email(email, record=partial(_record_sent, message, message_id))
        except OSError as exc:
            outcomes[message.pk] = exc
            continue
        if sent:
            threads[ticket.pk].insert(0, message_id)
        outcomes[message.pk] = "sent" if sent else "sent already"
    return outcomes


def _record_sent(message: Message, message_id: str) -> bool:
    """Mark the reply sent and register its Message-ID, unless an earlier run sent it."""
    with transaction.atomic():
        if not Message.objects.filter(pk=message.pk).exclude(
                delivery_status=DeliveryStatus.SENT).update(
                delivery_status=DeliveryStatus.SENT, delivery_error="",
                delivery_attempts=F("delivery_attempts") + 1):
            return False
        MailReference.objects.create(header=message_id, ticket=message.ticket,
                                     timeline_message=message)
    message.delivery_status = DeliveryStatus.SENT
    return True


def next_attempt(attempts: int) -> timedelta | None:
    """How long to wait before retrying after this many failed attempts (None: give up)."""
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else None

