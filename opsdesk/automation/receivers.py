"""Run the rules when tickets change: receivers of the ticket signals, and the schedule."""

from typing import Any

from django.db.models.signals import post_save

from opsdesk.core import scheduler
from opsdesk.tickets import signals
from opsdesk.tickets.models import MessageKind, Ticket
from opsdesk.tickets.signals import NewTicket

from .engine import run_trigger
from .models import Trigger
from .scheduled import run_scheduled_rules


def _created(sender: Any, created: list[NewTicket], **kwargs: Any) -> None:
    for new in created:
        run_trigger(trigger=Trigger.TICKET_CREATED, ticket=new.ticket)


def _stage(sender: Any, ticket: Ticket, **kwargs: Any) -> None:
    run_trigger(trigger=Trigger.TICKET_UPDATED, ticket=ticket)


def _saved(sender: Any, instance: Ticket, created: bool, update_fields: Any = None,
           raw: bool = False, **kwargs: Any) -> None:
    # Every update goes through bump_version (a save with a new `version`); a stage change
    # is left to stage_changed, sent once its event is recorded and its clocks re-timed.
    if raw or created or not update_fields or "version" not in update_fields:
        return
    if "stage" not in update_fields:
        run_trigger(trigger=Trigger.TICKET_UPDATED, ticket=instance)


def _message(sender: Any, added: list[tuple[Ticket, Any]], actor: Any, **kwargs: Any) -> None:
    if actor.is_desk_staff:
        return
    for ticket, message in added:
        if message.kind == MessageKind.REPLY:
            run_trigger(trigger=Trigger.MESSAGE_RECEIVED, ticket=ticket, message=message)


def _warned(sender: Any, ticket: Ticket, clock: Any, **kwargs: Any) -> None:
    run_trigger(trigger=Trigger.SLA_WARNING, ticket=ticket, extra={"sla_target": clock.target})


def connect() -> None:
    """Connect the receivers (after SLA and communications: rules see clocks and the ACK)."""
    signals.tickets_created.connect(_created, dispatch_uid="automation.created")
    signals.stage_changed.connect(_stage, dispatch_uid="automation.stage")
    signals.message_added.connect(_message, dispatch_uid="automation.message")
    signals.sla_warned.connect(_warned, dispatch_uid="automation.sla_warned")
    post_save.connect(_saved, sender=Ticket, dispatch_uid="automation.updated")
    scheduler.register(name="scheduled rules", every_seconds=60, job=run_scheduled_rules)
