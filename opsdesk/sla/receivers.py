"""Keep SLA clocks in step with tickets: receivers of the ticket signals, and API hooks."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from opsdesk.core import scheduler
from opsdesk.core.errors import InvalidInput
from opsdesk.tickets import queries, representation, signals
from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import record_event

from . import services
from .models import ClockStatus, SlaClock, Target
from .timers import fire_due_timers

TARGET_ORDER = {t: i for i, t in enumerate(Target.values)}


def _created(sender: Any, ticket: Ticket, **kwargs: Any) -> None:
    services.start_clocks(ticket=ticket)


def _message(sender: Any, ticket: Ticket, message: Any, **kwargs: Any) -> None:
    services.on_reply(ticket=ticket, message=message)


def _stage(sender: Any, ticket: Ticket, previous: str, **kwargs: Any) -> None:
    services.on_stage(ticket=ticket, previous=previous)


def _escalated(sender: Any, ticket: Ticket, escalation: Any, **kwargs: Any) -> None:
    services.on_escalated(ticket=ticket, at=escalation.created_at)


def _cos(sender: Any, ticket: Ticket, actor: Any, **kwargs: Any) -> None:
    summary = services.retime(ticket=ticket)
    record_event(ticket=ticket, actor=actor, event="sla_retimed",
                 body=f"SLA re-timed for {ticket.get_cos_display()}"
                 + (f": {summary}." if summary else "."),
                 data={"cos": ticket.cos})


def clock_list(ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's clocks as the API shows them (cancelled ones are left out)."""
    clocks = sorted((c for c in ticket.sla_clocks.all() if c.status != ClockStatus.CANCELLED),
                    key=lambda c: TARGET_ORDER[c.target])
    return [{"target": c.target, "due_at": c.due_at, "status": c.status, "met_at": c.met_at,
             "warned": c.warned_at is not None} for c in clocks]


SLA_STATUS_FILTERS: dict[str, dict[str, Any]] = {
    "breached": {"status": ClockStatus.BREACHED},
    "warning": {"status": ClockStatus.RUNNING, "warned_at__isnull": False},
    "running": {"status": ClockStatus.RUNNING},
    "paused": {"status": ClockStatus.PAUSED},
}


def filter_by_sla_status(tickets: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
    """Tickets with at least one clock in this state."""
    if value not in SLA_STATUS_FILTERS:
        raise InvalidInput(f"Unknown sla_status {value!r}.",
                           fields={"sla_status": "breached, warning, running or paused"})
    clocks = SlaClock.objects.filter(ticket=OuterRef("pk"), **SLA_STATUS_FILTERS[value])
    return tickets.filter(Exists(clocks))


def connect() -> None:
    """Connect the receivers and register the hooks (called once, from AppConfig.ready)."""
    signals.ticket_created.connect(_created, dispatch_uid="sla.created")
    signals.message_added.connect(_message, dispatch_uid="sla.message")
    signals.stage_changed.connect(_stage, dispatch_uid="sla.stage")
    signals.escalated.connect(_escalated, dispatch_uid="sla.escalated")
    signals.cos_changed.connect(_cos, dispatch_uid="sla.cos")
    representation.SLA_PROVIDERS.append(clock_list)
    representation.PREFETCHES.append("sla_clocks")
    queries.EXTRA_FILTERS["sla_status"] = filter_by_sla_status
    scheduler.register(name="sla timers", every_seconds=10, job=fire_due_timers)
