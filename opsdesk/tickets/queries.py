"""Ticket lists: filters and keyset pages shared by the API and the web queues."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from ninja import Schema
from pydantic import ValidationError

from opsdesk.accounts.models import User
from opsdesk.core.errors import InvalidInput
from opsdesk.core.pagination import decode_cursor, encode_cursor
from opsdesk.sla.queries import filter_by_sla_status, next_due_at

from .models import Cos, Stage, Ticket


@dataclass(frozen=True)
class Ordering:
    """A list order: ascending by an annotated time, ties by id.

    Tickets without a value for it are left out (e.g. no running SLA clock).
    """

    field: str
    annotation: Callable[[], Any]


# Orders beyond the default newest-first.
ORDERINGS: dict[str, Ordering] = {"breaching_soon": Ordering("next_due_at", next_due_at)}


class TicketFilters(Schema):
    """The ticket list's filters (API.md), defined once for the API and the queues."""

    stage: str | None = None
    cos: str | None = None
    tag: str | None = None
    assignee: str | None = None
    team: str | None = None
    requester: str | None = None
    incident: str | None = None
    sla_status: str | None = None
    q: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None

    @classmethod
    def from_params(cls, params: Any) -> "TicketFilters":
        """The filters of a query string (the workspace's URLs); a bad value is refused."""
        given = {name: params.get(name) for name in cls.model_fields if params.get(name)}
        try:
            return cls.model_validate(given)
        except ValidationError as exc:
            fields = {".".join(map(str, e["loc"])): e["msg"] for e in exc.errors()}
            raise InvalidInput(f"Not a valid filter: {', '.join(fields)}.",
                               fields=fields) from exc


def _person_filter(field: str, value: str, viewer: User) -> Q:
    if value == "me":
        return Q(**{field: viewer})
    if value == "none":
        return Q(**{f"{field}__isnull": True})
    if value.isdecimal():
        return Q(**{f"{field}_id": int(value)})
    return Q(**{f"{field}__email__iexact": value})


def _text_filter(q: str) -> Q:
    ref = q.strip().lstrip("#")
    text = Q(title__icontains=q) | Q(description__icontains=q)
    return text | Q(pk=int(ref)) if ref.isdecimal() else text


def filter_tickets(tickets: QuerySet[Ticket], f: TicketFilters, viewer: User) -> QuerySet[Ticket]:
    """Apply list filters; an unknown enumeration value is a clear error."""
    if f.stage:
        _check_values("stage", f.stage, Stage.values)
        tickets = tickets.filter(stage__in=f.stage.split(","))
    if f.cos:
        _check_values("cos", f.cos, Cos.values)
        tickets = tickets.filter(cos__in=f.cos.split(","))
    if f.tag:
        tickets = tickets.filter(tags__name__iexact=f.tag)
    if f.assignee:
        tickets = tickets.filter(_person_filter("assignee", f.assignee, viewer))
    if f.requester:
        tickets = tickets.filter(_person_filter("requester", f.requester, viewer))
    if f.team:
        tickets = tickets.filter(team__name__iexact=f.team)
    if f.q:
        tickets = tickets.filter(_text_filter(f.q))
    for name in ("created_after", "created_before"):
        value = getattr(f, name)
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name} needs a time zone offset, e.g. 2026-02-20T15:10:00+07:00.",
                               fields={name: "needs a time zone offset"})
    if f.created_after:
        tickets = tickets.filter(created_at__gte=f.created_after)
    if f.created_before:
        tickets = tickets.filter(created_at__lt=f.created_before)
    if f.sla_status:
        tickets = filter_by_sla_status(tickets, f.sla_status)
    if f.incident:
        tickets = tickets.filter(_incident_filter(f.incident))
    return tickets


def _incident_filter(value: str) -> Q:
    """`?incident=` an incident's id (or INC-id), `none` or `any`."""
    if value in ("none", "any"):
        return Q(incident__isnull=value == "none")
    number = value.removeprefix("INC-")
    if not number.isdecimal() or len(number) > 12:
        raise InvalidInput("incident is an incident's id, none or any.",
                           fields={"incident": "not an incident id"})
    return Q(incident_id=int(number))


def _check_values(name: str, given: str, allowed: list[str]) -> None:
    unknown = [v for v in given.split(",") if v not in allowed]
    if unknown:
        raise InvalidInput(f"Unknown {name} {', '.join(unknown)}.",
                           fields={name: f"one of {', '.join(allowed)}"})


def page_of_tickets(
    tickets: QuerySet[Ticket], *, order: str | None, cursor: str | None, size: int
) -> tuple[list[Ticket], str | None]:
    """One page of tickets in the order asked for, and the cursor of the next page."""
    if not order or order == "newest":
        return newest_first_page(tickets, cursor=cursor, size=size)
    if order not in ORDERINGS:
        raise InvalidInput(f"Unknown order {order!r}.",
                           fields={"order": f"newest or {', '.join(ORDERINGS)}"})
    ordering = ORDERINGS[order]
    name = ordering.field
    tickets = tickets.annotate(**{name: ordering.annotation()}).filter(**{f"{name}__isnull": False})
    if cursor:
        value, pk = _time_cursor(cursor)
        tickets = tickets.filter(Q(**{f"{name}__gt": value}) | Q(**{name: value, "pk__gt": pk}))
    rows: list[Any] = list(tickets.order_by(name, "pk")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if not has_more:
        return rows, None
    last = rows[-1]
    return rows, encode_cursor([getattr(last, name).isoformat(), last.pk])


def _time_cursor(cursor: str) -> tuple[datetime, int]:
    values = decode_cursor(cursor)
    try:
        when, pk = values
        return datetime.fromisoformat(str(when)), int(str(pk))
    except (ValueError, TypeError) as exc:
        raise InvalidInput("The cursor is not valid.", fields={"cursor": "not valid"}) from exc


def newest_first_page(
    tickets: QuerySet[Ticket], *, cursor: str | None, size: int
) -> tuple[list[Ticket], str | None]:
    """One page of tickets, newest first, and the cursor of the next page."""
    if cursor:
        values = decode_cursor(cursor)
        if len(values) != 1 or not isinstance(values[0], int):
            raise InvalidInput("The cursor is not valid.", fields={"cursor": "not valid"})
        tickets = tickets.filter(pk__lt=values[0])
    rows: list[Any] = list(tickets.order_by("-pk")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return rows, encode_cursor([rows[-1].pk]) if has_more else None
