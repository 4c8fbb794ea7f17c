"""Background jobs of communications: email delivery with retries."""

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from opsdesk.accounts.models import User
from opsdesk.accounts.services import system_user
from opsdesk.tickets.models import DeliveryStatus, Message
from opsdesk.tickets.services import record_event

from .outgoing import next_attempt, send_reply

logger = logging.getLogger("opsdesk.communications")


@task()
def send_reply_email(message_id: int) -> str:
    """Email a reply; on failure retry with back-off, then mark it failed on the ticket."""
    message = Message.objects.select_related("ticket__requester", "author").filter(
        pk=message_id).first()
    if message is None or message.delivery_status == DeliveryStatus.SENT:
        return "skipped"
    try:
        send_reply(message)
    except OSError as exc:
        return _failed(message, exc)
    Message.objects.filter(pk=message.pk).update(
        delivery_status=DeliveryStatus.SENT, delivery_error="",
        delivery_attempts=message.delivery_attempts + 1)
    return "sent"


def _failed(message: Message, exc: OSError) -> str:
    attempts = message.delivery_attempts + 1
    delay = next_attempt(attempts)
    logger.warning("reply %s: delivery attempt %s failed", message.pk, attempts)
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            delivery_attempts=attempts, delivery_error=str(exc),
            delivery_status=DeliveryStatus.PENDING if delay else DeliveryStatus.FAILED)
        if delay is None:
            record_event(ticket=message.ticket, actor=system_user(), event="delivery_failed",
                         body=f"The reply of {message.created_at:%Y-%m-%d %H:%M} could not be "
                         f"emailed after {attempts} attempts: {exc}",
                         data={"message_id": message.pk})
            return "failed"
        transaction.on_commit(lambda: send_reply_email.using(
            run_after=timezone.now() + delay).enqueue(message_id=message.pk))
    return "retrying"


@task()
def send_escalation_email(escalation_id: int) -> str:
    """Email an escalation to its team (retried by the queue's caller on failure)."""
    from opsdesk.tickets.models import Escalation

    from .escalation_mail import email_escalation

    escalation = Escalation.objects.select_related("team", "ticket").filter(
        pk=escalation_id).first()
    if escalation is None:
        return "skipped"
    email_escalation(escalation)
    return "sent"


@task()
def fan_out_new_tickets(ticket_ids: list[int], actor_id: int) -> str:
    """Tell everyone each new ticket's class concerns, ticket by ticket (once: a retry or a
    late run tells no one twice, and a ticket already finished is not acknowledged)."""
    actor = User.objects.filter(pk=actor_id).first()
    return "; ".join(_fan_out_new(ticket_id, actor) for ticket_id in ticket_ids)


@task()
def fan_out_new_ticket(ticket_id: int, actor_id: int) -> str:
    """One new ticket's fan-out (jobs queued by earlier versions; see fan_out_new_tickets)."""
    return _fan_out_new(ticket_id, User.objects.filter(pk=actor_id).first())


def _fan_out_new(ticket_id: int, actor: User | None) -> str:
    from opsdesk.tickets.models import Ticket

    from .fanout import fan_out

    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",), no_key=True) \
            .select_related("requester").prefetch_related("impact_groups", "followers") \
            .filter(pk=ticket_id).first()  # locks the ticket only (see lock_ticket)
        if ticket is None or actor is None or not ticket.is_open:
            return "skipped"
        told = fan_out(ticket=ticket, actor=actor)
    return ", ".join(told) or "nobody"
