"""Communications react to ticket changes: email replies, fan out, escalate, close out."""

from functools import partial
from typing import Any

from django.db import transaction

from opsdesk.core import scheduler
from opsdesk.tickets import signals
from opsdesk.tickets.models import Stage, Ticket
from opsdesk.tickets.signals import NewTicket

from .closeout import on_closed
from .escalation_mail import send_escalation
from .fanout import fan_out, has_fan_out
from .outgoing import queue_reply_emails
from .tasks import requeue_stranded_replies


def _message(sender: Any, added: list[tuple[Ticket, Any]], **kwargs: Any) -> None:
    queue_reply_emails([message for _, message in added])


def _created(sender: Any, created: list[NewTicket], actor: Any, **kwargs: Any) -> None:
    # Email and chat are outside systems: the worker tells everyone once the ticket is
    # committed (woken at once on PostgreSQL), so creating a ticket does not wait for it.
    from .tasks import fan_out_new_tickets

    ticket_ids = [new.ticket.pk for new in created if has_fan_out(new.ticket)]
    if ticket_ids:  # one job for tickets created together
        transaction.on_commit(partial(fan_out_new_tickets.enqueue, ticket_ids=ticket_ids,
                                      actor_id=actor.pk))


def _cos(sender: Any, ticket: Ticket, actor: Any, **kwargs: Any) -> None:
    fan_out(ticket=ticket, actor=actor)


def _escalated(sender: Any, ticket: Ticket, escalation: Any, **kwargs: Any) -> None:
    send_escalation(escalation=escalation)


def _stage(sender: Any, ticket: Ticket, **kwargs: Any) -> None:
    if ticket.stage == Stage.CLOSED:
        on_closed(ticket=ticket)


def connect() -> None:
    """Connect the receivers (after the SLA app's, so an automatic ACK meets its clock)."""
    signals.message_added.connect(_message, dispatch_uid="communications.message")
    signals.tickets_created.connect(_created, dispatch_uid="communications.created")
    signals.cos_changed.connect(_cos, dispatch_uid="communications.cos")
    signals.escalated.connect(_escalated, dispatch_uid="communications.escalated")
    signals.stage_changed.connect(_stage, dispatch_uid="communications.stage")
    scheduler.register(name="stranded replies", every_seconds=300,
                       job=requeue_stranded_replies)
