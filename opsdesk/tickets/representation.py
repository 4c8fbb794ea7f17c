"""Tickets and messages as the API shows them."""

from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Prefetch, QuerySet

from opsdesk.accounts.models import User
from opsdesk.core.errors import InvalidInput
from opsdesk.duplicates.queries import candidate_list, prefetch_candidates
from opsdesk.incidents.queries import incident_candidate_list, prefetch_incident_candidates
from opsdesk.sla.queries import clock_list

from .models import ImpactGroup, Message, Ticket
from .schemas import TicketOut


def output_zone(tz: str | None) -> tzinfo | None:
    """The time zone asked for with ?tz=, or None for UTC."""
    if not tz:
        return None
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"Unknown time zone {tz!r}.", fields={"tz": "unknown"}) from exc


def _at(value: datetime | None, zone: tzinfo | None) -> datetime | None:
    """The time in the zone asked for, else in UTC (as stored; a ticket just created may
    still hold the time as the caller gave it)."""
    if value is None:
        return value
    return value.astimezone(zone or UTC)


def with_relations(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Load what the representation reads in a fixed number of queries."""
    return tickets.select_related("requester", "assignee", "team").prefetch_related(
        "tags", Prefetch("impact_groups", queryset=ImpactGroup.objects.order_by("id")),
        "sla_clocks", prefetch_candidates(), prefetch_incident_candidates(),
    )


def person(user: User | None, *, with_role: bool = False) -> dict[str, Any] | None:
    if user is None:
        return None
    out: dict[str, Any] = {"id": user.pk, "name": user.name, "email": user.email}
    if with_role:
        out["role"] = user.requester_role or user.role
    return out


# TicketOut's fields that are not the ticket's own attributes as stored.
COMPUTED = frozenset({"waiting_reason", "requester", "assignee", "team", "tags", "impact",
                      "incident_id", "duplicate_candidates", "sla"})


def ticket_out(ticket: Ticket, zone: tzinfo | None = None) -> dict[str, Any]:
    """The ticket representation of API.md: every field of TicketOut, the ticket's own
    attributes as they are (times in the zone asked for) and the computed ones."""
    out = {name: _shown(getattr(ticket, name), zone) for name in TicketOut.model_fields
           if name not in COMPUTED}
    sla = clock_list(ticket)
    for clock in sla:
        clock["due_at"], clock["met_at"] = _at(clock["due_at"], zone), _at(clock["met_at"], zone)
    return {
        **out,
        "waiting_reason": ticket.waiting_reason or None,
        "requester": person(ticket.requester, with_role=True),
        "assignee": person(ticket.assignee),
        "team": ticket.team.name if ticket.team else None,
        "tags": sorted(t.name for t in ticket.tags.all()),
        "impact": {
            "affected_users": ticket.affected_users,
            "groups": [{"name": g.name, "affected": g.affected}
                       for g in ticket.impact_groups.all()],
            "blocking": ticket.blocking,
            "critical_function": ticket.critical_function,
            "critical_function_label": ticket.critical_function_label,
            "failure_rate": ticket.failure_rate,
            "scope": ticket.scope,
        },
        "incident_id": getattr(ticket, "incident_id", None),
        "duplicate_candidates": incident_candidate_list(ticket) + candidate_list(ticket),
        "sla": sla,
    }


def _shown(value: Any, zone: tzinfo | None) -> Any:
    return _at(value, zone) if isinstance(value, datetime) else value


def message_out(message: Message, viewer: User, zone: tzinfo | None = None) -> dict[str, Any]:
    """A timeline entry; requesters get no internal event data and no staff emails."""
    author = person(message.author)
    if not viewer.is_desk_staff and author and message.author.is_desk_staff:
        author["email"] = ""
    return {
        "id": message.pk,
        "kind": message.kind,
        "event": message.event or None,
        "body": message.body,
        "author": author,
        "public": message.public,
        "data": message.data if viewer.is_desk_staff else None,
        "created_at": _at(message.created_at, zone),
    }
