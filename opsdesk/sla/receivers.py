"""Keep SLA clocks in step with tickets: receivers of the ticket signals, and API hooks."""

from typing import Any

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from opsdesk.core import scheduler
from opsdesk.core.errors import InvalidInput
from opsdesk.tickets import queries, representation, signals, timeline
from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import record_event
from opsdesk.tickets.signals import NewTicket

from . import services
from .models import ClockStatus, SlaClock, SlaEvent, Target
from .timers import fire_due_timers

TARGET_ORDER = {t: i for i, t in enumerate(Target.values)}


def _created(sender: Any, created: list[NewTicket], **kwargs: Any) -> None:
    services.start_clocks(tickets=[(new.ticket, new.tags) for new in created])


def _message(sender: Any, added: list[tuple[Ticket, Any]], **kwargs: Any) -> None:
    services.on_replies(added=added)


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


QUIET_EVENT_KINDS = ("started", "paused", "resumed", "met", "cancelled")


def clock_events(ticket: Ticket, viewer: Any, zone: Any) -> list[dict[str, Any]]:
    """SLA events for the staff timeline (warnings, breaches and re-timing are already
    recorded there as ticket events)."""
    if not viewer.is_desk_staff:
        return []
    events = SlaEvent.objects.filter(ticket=ticket, kind__in=QUIET_EVENT_KINDS)
    return [
        {"id": e.pk, "source": "sla", "kind": "event", "event": f"sla_{e.kind}",
         "body": f"{e.get_target_display()} clock {e.get_kind_display().lower()}"
         + (f", due {timezone.localtime(e.due_at):%Y-%m-%d %H:%M}" if e.due_at else "")
         + (f" ({e.note})" if e.note else ""),
         "author": None, "public": False, "data": {"target": e.target, "due_at": e.due_at},
         "created_at": e.at.astimezone(zone) if zone else e.at}
        for e in events
    ]


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


def next_due_at() -> Min:
    """The earliest due time among a ticket's running clocks."""
    return Min("sla_clocks__due_at", filter=Q(sla_clocks__status=ClockStatus.RUNNING))


def connect() -> None:
    """Connect the receivers and register the hooks (called once, from AppConfig.ready)."""
    signals.tickets_created.connect(_created, dispatch_uid="sla.created")
    signals.message_added.connect(_message, dispatch_uid="sla.message")
    signals.stage_changed.connect(_stage, dispatch_uid="sla.stage")
    signals.escalated.connect(_escalated, dispatch_uid="sla.escalated")
    signals.cos_changed.connect(_cos, dispatch_uid="sla.cos")
    representation.SLA_PROVIDERS.append(clock_list)
    timeline.TIMELINE_SOURCES.append(clock_events)
    representation.PREFETCHES.append("sla_clocks")
    queries.EXTRA_FILTERS["sla_status"] = filter_by_sla_status
    queries.ORDERINGS["breaching_soon"] = queries.Ordering("next_due_at", next_due_at)
    scheduler.register(name="sla timers", every_seconds=10, job=fire_due_timers)
