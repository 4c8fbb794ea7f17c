"""Email of replies to the requester and followers. Notes are never emailed: only a
message of kind `reply` is ever read here."""

from collections.abc import Sequence
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from opsdesk.core.jobs import after_commit
from opsdesk.core.mail import send_email
from opsdesk.tickets.models import (
    DeliveryStatus,
    MailReference,
    Message,
    MessageKind,
    Ticket,
)

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


def _thread_headers(ticket: Ticket) -> dict[str, str]:
    previous = list(MailReference.objects.filter(ticket=ticket).order_by("-created_at")
                    .values_list("header", flat=True)[:10])
    if not previous:
        return {}
    return {"In-Reply-To": previous[0], "References": " ".join(reversed(previous))}


def send_reply(message: Message) -> None:
    """Send one reply by email now, and register its Message-ID for threading."""
    assert message.kind == MessageKind.REPLY  # a note must never get here
    ticket = message.ticket
    message_id = make_msgid(domain=settings.OPSDESK_MAIL_DOMAIN)
    email = EmailMessage(
        subject=subject_for(message), body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL, to=recipients(ticket, message.author_id),
        headers={"Message-ID": message_id, **_thread_headers(ticket),
                 "Auto-Submitted": "auto-replied" if message.author.role == "system" else "no"},
    )
    send_email(email)
    MailReference.objects.create(header=message_id, ticket=ticket, timeline_message=message)


def next_attempt(attempts: int) -> timedelta | None:
    """How long to wait before retrying after this many failed attempts (None: give up)."""
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else None

