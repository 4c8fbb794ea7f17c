"""Background jobs of communications: email delivery with retries."""

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from opsdesk.accounts.models import User
from opsdesk.accounts.services import system_user
from opsdesk.core.jobs import (
    Batch,
    after_commit,
    delivering_together,
    handed_over,
)
from opsdesk.core.stranded import requeue_stranded
from opsdesk.tickets.models import DeliveryStatus, Message, MessageKind
from opsdesk.tickets.services import record_event

from .outgoing import next_attempt, send_replies

logger = logging.getLogger("opsdesk.communications")


@task()
def send_reply_email(message_id: int) -> str:
    """Email a reply; on failure retry with back-off, then mark it failed on the ticket."""
    message = handed_over(Message, message_id) or _replies([message_id]).get(message_id)
    return _send([message]).get(message_id, "skipped") if message is not None else "skipped"


def send_reply_emails(calls: Batch) -> None:
    """`send_reply_email` for several replies: those not handed over read together, their
    emails sent one after the other, the sent ones recorded together."""
    ids = list(dict.fromkeys(kwargs["message_id"] for kwargs, _ in calls))
    handed = {obj.pk: obj for kwargs, obj in calls
              if isinstance(obj, Message) and obj.pk == kwargs["message_id"]}
    found = {**_replies([pk for pk in ids if pk not in handed]), **handed}
    _send([found[pk] for pk in ids if pk in found])


def _replies(ids: list[int]) -> dict[int, Message]:
    if not ids:
        return {}
    return {message.pk: message for message in Message.objects.select_related(
        "ticket__requester", "author").filter(pk__in=ids)}


def _send(messages: list[Message]) -> dict[int, str]:
    """Email the replies not sent yet; each one's outcome."""
    due = [message for message in messages if message.delivery_status != DeliveryStatus.SENT]
    outcomes = send_replies(due)
    told: dict[int, str] = {}
    for message in due:
        outcome = outcomes[message.pk]
        told[message.pk] = _failed(message, outcome) if isinstance(outcome, OSError) else outcome
    return told


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
    if escalation.mail_references.filter(outgoing=True).exists():
        return "sent already"  # by an earlier run of this job, its worker killed after
    return "sent" if email_escalation(escalation) else "sent already"


def requeue_stranded_replies() -> int:
    """Queue again the reply emails a stopped worker left untried (see core.stranded)."""
    untried = Message.objects.filter(kind=MessageKind.REPLY, delivery_status=DeliveryStatus.PENDING,
                                     delivery_attempts=0)
    return requeue_stranded(untried=untried, task=send_reply_email, id_argument="message_id")


# Tickets told in one transaction: their locks are held for its duration (a few hundred ms).
FAN_OUT_CHUNK = 10


@task()
def fan_out_new_tickets(ticket_ids: list[int], actor_id: int) -> str:
    """Tell everyone each new ticket's class concerns, a few tickets at a time (once: a
    retry or a late run tells no one twice, and a ticket already finished is not
    acknowledged)."""
    return "; ".join(fan_out_each(ticket_ids=ticket_ids, actor_id=actor_id))


def fan_out_each(*, ticket_ids: list[int], actor_id: int) -> list[str]:
    """The fan-out of these tickets; who was told of each."""
    actor = User.objects.filter(pk=actor_id).first()
    if actor is None:
        return ["skipped" for _ in ticket_ids]
    told: list[str] = []
    for start in range(0, len(ticket_ids), FAN_OUT_CHUNK):
        told += _fan_out_new(ticket_ids[start:start + FAN_OUT_CHUNK], actor)
    return told



@task()
def fan_out_new_ticket(ticket_id: int, actor_id: int) -> str:
    """One new ticket's fan-out (jobs queued by earlier versions; see fan_out_new_tickets)."""
    return fan_out_new_tickets.call(ticket_ids=[ticket_id], actor_id=actor_id)


def _fan_out_new(ticket_ids: list[int], actor: User) -> list[str]:
    from opsdesk.sla.models import SlaClock
    from opsdesk.tickets.models import Ticket

    from .fanout import fan_out_tickets, has_fan_out

    with delivering_together(), transaction.atomic():  # emails and notices sent after commit
        tickets = list(
            Ticket.objects.select_for_update(of=("self",), no_key=True)
            .select_related("requester").prefetch_related("impact_groups", "followers")
            .filter(pk__in=ticket_ids).order_by("pk"))  # the tickets only (see lock_ticket)
        open_ones = [ticket for ticket in tickets if ticket.is_open]
        clocks: dict[int, list[SlaClock]] = {ticket.pk: [] for ticket in open_ones}
        for clock in SlaClock.objects.filter(ticket__in=open_ones):
            clocks[clock.ticket_id].append(clock)
        told = fan_out_tickets(tickets=open_ones, actor=actor, locked=True, clocks=clocks)
        _deliver_untried([ticket.pk for ticket in open_ones
                          if ticket.pk not in told and has_fan_out(ticket)])
    open_pks = {ticket.pk for ticket in open_ones}
    return [", ".join(told.get(pk, [])) or ("nobody" if pk in open_pks else "skipped")
            for pk in ticket_ids]


def _deliver_untried(announced_before: list[int]) -> None:
    """Send what an earlier fan-out of these tickets wrote and left untried: a run of this
    job whose worker died after its transaction committed (each email and message goes out
    once: see core.mail and deliver_to_channel)."""
    if not announced_before:
        return
    from opsdesk.notifications.models import ChannelDelivery, Notification
    from opsdesk.notifications.tasks import deliver_notification_email, deliver_to_channel

    untried = {"delivery_status": DeliveryStatus.PENDING, "delivery_attempts": 0}
    for pk in Message.objects.filter(ticket__in=announced_before, kind=MessageKind.REPLY,
                                     **untried).values_list("pk", flat=True):
        after_commit(send_reply_email, message_id=pk)
    for pk in Notification.objects.filter(ticket__in=announced_before, email_attempts=0,
                                          email_status=DeliveryStatus.PENDING
                                          ).values_list("pk", flat=True):
        after_commit(deliver_notification_email, notification_id=pk)
    for pk in ChannelDelivery.objects.filter(ticket__in=announced_before, attempts=0,
                                             status=DeliveryStatus.PENDING
                                             ).values_list("pk", flat=True):
        after_commit(deliver_to_channel, delivery_id=pk)
