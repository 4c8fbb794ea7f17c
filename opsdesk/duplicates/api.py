"""REST API of the duplicate check: which open tickets look like a text (desk staff)."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import InvalidInput
from opsdesk.tickets.api import ERRORS
from opsdesk.tickets.models import Ticket, format_ref

from . import services

router = Router(tags=["tickets"])


class CheckQuery(Schema):
    title: str = Field("", max_length=300)
    description: str = Field("", max_length=20_000)
    group: list[str] = Field(default_factory=list, description="Affected groups (repeatable).")
    tag: list[str] = Field(default_factory=list, description="Tags (repeatable).")
    exclude: int | None = Field(None, description="A ticket to leave out (the one edited).")


class DuplicateOut(Schema):
    ticket_id: int
    ref: str
    title: str
    stage: str
    score: float


class DuplicateCheckOut(Schema):
    items: list[DuplicateOut]
    threshold: float


@router.get("/tickets/duplicate-check", response={200: DuplicateCheckOut, **ERRORS},
            summary="Open tickets that look like the same request as a title and description")
def duplicate_check(request: HttpRequest, filters: Query[CheckQuery]) -> Any:
    require_desk_staff(caller(request))
    if not (filters.title.strip() or filters.description.strip()):
        raise InvalidInput("Give a title or a description to compare.",
                           fields={"title": "title or description required"})
    found = services.find_duplicates(title=filters.title, description=filters.description,
                                     groups=filters.group, tags=filters.tag,
                                     exclude=filters.exclude)
    tickets = Ticket.objects.only("title", "stage").in_bulk([c.ticket_id for c in found])
    items = [{"ticket_id": c.ticket_id, "ref": format_ref(c.ticket_id),
              "title": tickets[c.ticket_id].title, "stage": tickets[c.ticket_id].stage,
              "score": c.score} for c in found if c.ticket_id in tickets]
    return {"items": items, "threshold": services.threshold()}
