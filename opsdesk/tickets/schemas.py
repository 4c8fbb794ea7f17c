"""API input and output schemas for tickets (API.md)."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import EmailStr, Field, StringConstraints, field_validator

from opsdesk.accounts.models import RequesterRole

from .models import Channel, Cos, MessageKind, Scope, Stage, WaitingReason

CosValue = Literal["expedite", "priority", "standard", "fixed_date", "intangible"]
StageValue = Literal["new", "in_progress", "waiting", "resolved", "closed", "cancelled"]
WaitingValue = Literal["customer", "dev_team", "third_party"]
ChannelValue = Literal["email", "portal", "api", "chat", "phone", "monitoring"]
ScopeValue = Literal["user", "group", "system_wide"]
RequesterRoleValue = Literal["student", "teacher", "coordinator", "director", "staff"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
MAX_PEOPLE = 10_000_000  # beyond any platform's users; keeps values inside a 32-bit column
TagName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]

assert set(CosValue.__args__) == set(Cos.values)  # type: ignore[attr-defined]
assert set(StageValue.__args__) == set(Stage.values)  # type: ignore[attr-defined]
assert set(WaitingValue.__args__) == set(WaitingReason.values)  # type: ignore[attr-defined]
assert set(ChannelValue.__args__) == set(Channel.values)  # type: ignore[attr-defined]
assert set(ScopeValue.__args__) == set(Scope.values)  # type: ignore[attr-defined]
assert set(RequesterRoleValue.__args__) == set(RequesterRole.values)  # type: ignore[attr-defined]


class Error(Schema):
    code: str
    message: str
    fields: dict[str, str]


class ErrorOut(Schema):
    error: Error


class GroupIn(Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    affected: int = Field(0, ge=0, le=MAX_PEOPLE)


class ImpactIn(Schema):
    affected_users: int | None = Field(None, ge=0, le=MAX_PEOPLE)
    groups: list[GroupIn] | None = None
    blocking: bool | None = None
    critical_function: bool | str | None = Field(
        None, description="true, or the name of the critical function (e.g. exam submission)"
    )
    failure_rate: float | None = Field(None, ge=0.0, le=1.0)
    scope: ScopeValue | None = None

    @field_validator("scope", mode="before")
    @classmethod
    def _hyphenated_scope(cls, value: object) -> object:
        return value.replace("-", "_") if isinstance(value, str) else value


class RequesterIn(Schema):
    name: str = Field("", max_length=200)
    email: EmailStr
    role: RequesterRoleValue | None = None


class TicketCreate(Schema):
    title: Title
    description: str = ""
    requester: RequesterIn | None = Field(
        None, description="Required for desk staff; a requester's token creates for itself."
    )
    channel: ChannelValue = "api"
    tags: list[TagName] = []
    team: str | None = None
    assignee: str | None = Field(None, description="Email of a desk staff member.")
    received_at: datetime | None = None
    due_at: datetime | None = Field(None, description="Requested date (Fixed Date).")
    language: Literal["en", "vi"] = "en"
    impact: ImpactIn | None = None
    workaround: str = ""
    cos: CosValue | None = Field(None, description="Override the rules; needs cos_reason.")
    cos_reason: str = ""


class TicketPatch(Schema):
    title: Title | None = None
    tags: list[TagName] | None = None
    assignee: str | None = Field(None, description="Email or id; empty string unassigns.")
    team: str | None = Field(None, description="Team name; empty string clears.")
    impact: ImpactIn | None = None
    workaround: str | None = None
    priority: int | None = Field(None, ge=0, le=3)
    cos: CosValue | None = None
    cos_reason: str = ""
    version: int | None = None


class StageChange(Schema):
    stage: StageValue
    reason: str = ""
    waiting_reason: WaitingValue | None = None
    root_cause: str = ""
    resolution: str = ""
    lessons: str = ""
    kb_suggestion: str = ""
    waive_verification: str = Field("", description="Resolve with checks open: the reason.")
    version: int | None = None


class MessageIn(Schema):
    kind: Literal["note", "reply"]
    body: Annotated[str, StringConstraints(max_length=100_000)] = Field(
        "", description="The text; may be left out when `template` is given.")
    template: str | None = Field(None, description="Start from this template (ack, update, …)")


class PersonOut(Schema):
    id: int
    name: str
    email: str
    role: str | None = None


class GroupOut(Schema):
    name: str
    affected: int


class ImpactOut(Schema):
    affected_users: int
    groups: list[GroupOut]
    blocking: bool
    critical_function: bool
    critical_function_label: str
    failure_rate: float | None
    scope: str


class SlaClockOut(Schema):
    target: Literal["intake", "ack", "update", "escalation", "resolve"]
    due_at: datetime | None
    status: Literal["running", "paused", "met", "breached"]
    met_at: datetime | None
    warned: bool = Field(False, description="A warning went out (80 % of the target).")


class CandidateOut(Schema):
    ticket_id: int | None = None
    incident_id: int | None = None
    score: float


class TicketOut(Schema):
    id: int
    ref: str
    title: str
    description: str
    stage: StageValue
    waiting_reason: WaitingValue | None
    cos: CosValue
    cos_rationale: str
    cos_overridden: bool
    priority: int
    channel: str
    language: str
    requester: PersonOut
    assignee: PersonOut | None
    team: str | None
    tags: list[str]
    impact: ImpactOut
    workaround: str
    due_at: datetime | None
    incident_id: int | None
    merged_into_id: int | None
    duplicate_candidates: list[CandidateOut]
    sla: list[SlaClockOut]
    received_at: datetime
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    root_cause: str
    resolution: str
    version: int


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class MessageOut(Schema):
    id: int
    source: Literal["message", "sla"] = "message"
    kind: Literal["note", "reply", "event"]
    event: str | None
    body: str
    author: PersonOut | None
    public: bool
    data: dict[str, object] | None
    created_at: datetime


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


class TimelineOut(Schema):
    items: list[MessageOut]
    phases: dict[str, int | None]


assert {"note", "reply", "event"} == set(MessageKind.values)
