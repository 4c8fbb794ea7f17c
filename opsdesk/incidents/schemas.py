"""API input and output schemas for incidents (API.md "Incidents and status")."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from opsdesk.tickets.schemas import CosValue, Title

from .models import IncidentStatus

StatusValue = Literal["investigating", "identified", "monitoring", "resolved"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Text = Annotated[str, StringConstraints(max_length=20_000)]

assert set(StatusValue.__args__) == set(IncidentStatus.values)  # type: ignore[attr-defined]


class IncidentCreate(Schema):
    title: Title
    cos: CosValue | None = None
    components: list[Name] = Field(default_factory=list, max_length=50)
    groups: list[Name] = Field(default_factory=list, max_length=50)
    summary: Text = ""
    from_ticket: int | None = Field(None, ge=1, le=2**31 - 1)
    owner: str | None = Field(None, description="The incident commander: email or user id.")


class IncidentPatch(Schema):
    title: Title | None = None
    summary: Text | None = None
    status: StatusValue | None = None
    cos: CosValue | None = None
    cos_reason: Text = ""
    components: list[Name] | None = Field(None, max_length=50)
    groups: list[Name] | None = Field(None, max_length=50)
    owner: str | None = Field(None, description="Email or user id; empty to clear.")
    root_cause: Text | None = None
    version: int | None = None


class LinkIn(Schema):
    ticket_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        ..., min_length=1, max_length=1000)


class UpdateIn(Schema):
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=20_000)]
    body_vi: Text = ""
    status: StatusValue | None = None
    public: bool = True
    notify: bool = Field(True, description="Reply to every linked requester (public only).")
    version: int | None = None


class ResolveIn(Schema):
    resolution: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                 max_length=20_000)]
    resolution_vi: Text = ""
    root_cause: Text = ""
    notify: bool = True
    version: int | None = None


class PersonOut(Schema):
    id: int
    name: str
    email: str


class UpdateOut(Schema):
    id: int
    status: str
    body: str
    body_vi: str
    public: bool
    author: PersonOut
    created_at: datetime
    requesters_told: int


class EventOut(Schema):
    kind: str
    body: str
    data: dict[str, object]
    at: datetime


class IncidentOut(Schema):
    id: int
    ref: str
    title: str
    summary: str
    status: StatusValue
    cos: CosValue
    cos_rationale: str
    cos_overridden: bool
    components: list[str]
    groups: list[str]
    affected_users: int
    owner: PersonOut | None
    source: str
    from_ticket_id: int | None
    ticket_count: int
    detected_at: datetime
    opened_at: datetime
    identified_at: datetime | None
    monitoring_at: datetime | None
    resolved_at: datetime | None
    watch_until: datetime | None
    root_cause: str
    resolution: str
    updates: list[UpdateOut]
    updated_at: datetime
    version: int


class IncidentPage(Schema):
    items: list[IncidentOut]
    next_cursor: str | None
