"""Reads of SLA clocks: as the API shows them, on the timeline, and as ticket filters."""

from typing import Any

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from opsdesk.core.errors import InvalidInput
from opsdesk.tickets.models import Ticket

from .models import ClockStatus, SlaClock, SlaEvent, Target

TARGET_ORDER = {t: i for i, t in enumerate(Target.values)}
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
