"""REST API for the verification checklist (API.md: /tickets/{id}/checks)."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import InvalidInput, NotFound
from opsdesk.core.pagination import decode_cursor, encode_cursor, page_size

from . import verification
from .api import ERRORS, visible_ticket
from .models import VerificationCheck

router = Router(tags=["verification"])


class CheckIn(Schema):
    label: str = Field(..., min_length=1, max_length=300)
    group: str = ""
    done: bool = False
    result: str = ""


class CheckPatch(Schema):
    label: str | None = Field(None, min_length=1, max_length=300)
    done: bool | None = None
    result: str | None = None


class CheckOut(Schema):
    id: int
    label: str
    group: str | None
    done: bool
    result: str
    done_by_id: int | None
    done_at: datetime | None


class CheckPage(Schema):
    items: list[CheckOut]
    next_cursor: str | None


def check_out(check: VerificationCheck) -> dict[str, Any]:
    return {"id": check.pk, "label": check.label, "group": check.group or None,
            "done": check.done, "result": check.result, "done_by_id": check.done_by_id,
            "done_at": check.done_at}


@router.get("/tickets/{ticket_id}/checks", response={200: CheckPage, **ERRORS},
            summary="The verification checklist, in the order the checks were added")
def list_checks(request: HttpRequest, ticket_id: int, limit: int | None = None,
                cursor: str | None = None) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    require_desk_staff(user)
    checks = ticket.checks.order_by("pk")
    if cursor:
        values = decode_cursor(cursor)
        if len(values) != 1 or not isinstance(values[0], int):
            raise InvalidInput("The cursor is not valid.", fields={"cursor": "not valid"})
        checks = checks.filter(pk__gt=values[0])
    size = page_size(limit)
    rows = list(checks[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return {"items": [check_out(c) for c in rows],
            "next_cursor": encode_cursor([rows[-1].pk]) if more else None}


@router.post("/tickets/{ticket_id}/checks", response={201: CheckOut, **ERRORS},
             summary="Add a check to the checklist")
def post_check(request: HttpRequest, ticket_id: int, payload: CheckIn) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    check = verification.add_check(ticket=ticket, actor=user, label=payload.label,
                                   group=payload.group)
    if payload.done or payload.result:
        check = verification.update_check(check=check, actor=user, done=payload.done or None,
                                          result=payload.result)
    return Status(201, check_out(check))


@router.patch("/tickets/{ticket_id}/checks/{check_id}", response={200: CheckOut, **ERRORS},
              summary="Tick a check, record its result, or relabel it")
def patch_check(request: HttpRequest, ticket_id: int, check_id: int, payload: CheckPatch) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    check = ticket.checks.filter(pk=check_id).first()
    if check is None:
        raise NotFound(f"No check {check_id} on this ticket.")
    return check_out(verification.update_check(check=check, actor=user, **payload.dict(
        exclude_unset=True)))
