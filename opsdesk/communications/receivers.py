"""Communications react to ticket changes: email replies, fan out, escalate, close out."""

from typing import Any

from opsdesk.tickets import signals
from opsdesk.tickets.models import Stage, Ticket

from .closeout import on_closed
from .escalation_mail import send_escalation
from .fanout import fan_out
from .outgoing import queue_reply_email


def _message(sender: Any, ticket: Ticket, message: Any, **kwargs: Any) -> None:
    queue_reply_email(message)


def _created(sender: Any, ticket: Ticket, actor: Any, **kwargs: Any) -> None:
    fan_out(ticket=ticket, actor=actor, new=True)


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
    signals.ticket_created.connect(_created, dispatch_uid="communications.created")
    signals.cos_changed.connect(_cos, dispatch_uid="communications.cos")
    signals.escalated.connect(_escalated, dispatch_uid="communications.escalated")
    signals.stage_changed.connect(_stage, dispatch_uid="communications.stage")
