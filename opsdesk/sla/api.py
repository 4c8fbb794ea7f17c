"""REST API for SLA policies: read them (desk staff), change them (managers and admins)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from opsdesk.accounts.models import Role, Team, User
from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import Forbidden, InvalidInput, NotFound
from opsdesk.core.pagination import decode_cursor, encode_cursor, page_size
from opsdesk.tickets.api import ERRORS
from opsdesk.tickets.schemas import CosValue

from .models import BusinessCalendar, SlaPolicy

router = Router(tags=["sla"])
TARGET_FIELDS = ("intake_minutes", "ack_minutes", "update_minutes", "escalation_minutes",
                 "resolve_minutes")


class PolicyIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    cos: CosValue
    position: int = Field(0, ge=0)
    enabled: bool = True
    team: str | None = None
    tag: str = ""
    intake_minutes: int | None = Field(None, ge=1)
    ack_minutes: int | None = Field(None, ge=1)
    update_minutes: int | None = Field(None, ge=1)
    escalation_minutes: int | None = Field(None, ge=1)
    resolve_minutes: int | None = Field(None, ge=1)
    resolve_by_due_date: bool = False
    calendar: str | None = Field(None, description="Business calendar name; empty is 24/7.")
    warn_at_percent: int = Field(80, ge=1, le=99)
    pause_update_when_waiting_on: str = "customer"


class PolicyPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    position: int | None = Field(None, ge=0)
    enabled: bool | None = None
    intake_minutes: int | None = Field(None, ge=1)
    ack_minutes: int | None = Field(None, ge=1)
    update_minutes: int | None = Field(None, ge=1)
    escalation_minutes: int | None = Field(None, ge=1)
    resolve_minutes: int | None = Field(None, ge=1)
    warn_at_percent: int | None = Field(None, ge=1, le=99)
    pause_update_when_waiting_on: str | None = None


class PolicyOut(PolicyIn):
    id: int


class PolicyPage(Schema):
    items: list[PolicyOut]
    next_cursor: str | None


def _require_policy_editor(user: User) -> None:
    if user.role not in (Role.MANAGER, Role.ADMIN):
        raise Forbidden("Only managers and admins change SLA policies.")


def policy_out(policy: SlaPolicy) -> dict[str, Any]:
    fields = ("name", "cos", "position", "enabled", "tag", *TARGET_FIELDS,
              "resolve_by_due_date", "warn_at_percent", "pause_update_when_waiting_on")
    return {"id": policy.pk, "team": policy.team.name if policy.team else None,
            "calendar": policy.calendar.name if policy.calendar else None,
            **{f: getattr(policy, f) for f in fields}}


def _save(policy: SlaPolicy) -> SlaPolicy:
    try:
        policy.full_clean()
    except ValidationError as exc:
        raise InvalidInput("The policy is not valid.",
                           fields={k: " ".join(v) for k, v in exc.message_dict.items()}) from exc
    with transaction.atomic():
        policy.save()
    return policy


def _named(model: type[Team] | type[BusinessCalendar], name: str | None, field: str) -> Any:
    if not name:
        return None
    found = model.objects.filter(name__iexact=name).first()
    if found is None:
        raise InvalidInput(f"No {field} named {name!r}.", fields={field: "unknown"})
    return found


def _after(policies: QuerySet[SlaPolicy], cursor: str) -> QuerySet[SlaPolicy]:
    values = decode_cursor(cursor)
    if len(values) != 2 or not all(isinstance(v, int) for v in values):
        raise InvalidInput("The cursor is not valid.", fields={"cursor": "not valid"})
    position, pk = values
    return policies.filter(Q(position__gt=position) | Q(position=position, pk__gt=pk))


@router.get("/policies", response={200: PolicyPage, **ERRORS},
            summary="SLA policies in the order they are tried")
def list_policies(request: HttpRequest, limit: int | None = None,
                  cursor: str | None = None) -> Any:
    require_desk_staff(caller(request))
    policies = SlaPolicy.objects.select_related("team", "calendar").order_by("position", "pk")
    if cursor:
        policies = _after(policies, cursor)
    size = page_size(limit)
    rows = list(policies[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return {"items": [policy_out(p) for p in rows],
            "next_cursor": encode_cursor([rows[-1].position, rows[-1].pk]) if more else None}


@router.post("/policies", response={201: PolicyOut, **ERRORS}, summary="Add an SLA policy")
def create_policy(request: HttpRequest, payload: PolicyIn) -> Any:
    _require_policy_editor(caller(request))
    data = payload.dict(exclude={"team", "calendar"})
    policy = SlaPolicy(**data, team=_named(Team, payload.team, "team"),
                       calendar=_named(BusinessCalendar, payload.calendar, "calendar"))
    return Status(201, policy_out(_save(policy)))


@router.patch("/policies/{policy_id}", response={200: PolicyOut, **ERRORS},
              summary="Change an SLA policy (applies to clocks started from now on)")
def patch_policy(request: HttpRequest, policy_id: int, payload: PolicyPatch) -> Any:
    _require_policy_editor(caller(request))
    policy = SlaPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(f"No SLA policy {policy_id}.")
    for name, value in payload.dict(exclude_unset=True).items():
        if value is None and name not in TARGET_FIELDS:
            continue
        setattr(policy, name, value)
    return policy_out(_save(policy))
