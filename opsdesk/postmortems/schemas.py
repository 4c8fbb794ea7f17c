"""Postmortem API schemas (API.md, "Incidents and status")."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from opsdesk.tickets.schemas import PersonOut

Format = Literal["md", "pdf", "json"]
KindValue = Literal["corrective", "preventive"]
StatusValue = Literal["open", "done", "dropped"]


class PostmortemQuery(Schema):
    format: Format = "md"
    tz: str | None = Field(None, description="Time zone of the times in md and pdf "
                           "(default: the desk's).")


class StepIn(Schema):
    id: str | None = Field(None, description="The step to change (event-12, update-3, "
                           "ticket-7, added-2); leave out to add a step.")
    at: datetime | None = Field(None, description="A new time; null: as recorded.")
    kind: str = Field("", max_length=30, description="e.g. action, note, identified")
    body: str = Field("", description="New wording; empty: as recorded.")
    misleading: bool = Field(False, description="It led the investigation astray; the "
                             "step stays in the timeline, marked.")
    note: str = Field("", description="Why it misled, or a remark.")


class PostmortemPatch(Schema):
    summary: str | None = None
    trigger: str | None = None
    detection: str | None = None
    root_cause: str | None = None
    resolution: str | None = None
    lessons: str | None = None
    timeline: list[StepIn] = Field(default_factory=list)


class ActionIn(Schema):
    title: str = Field(..., max_length=300)
    kind: KindValue
    owner: int | str = Field(..., description="Email or id of a desk staff member.")
    due: date


class ActionPatch(Schema):
    title: str | None = Field(None, max_length=300)
    kind: KindValue | None = None
    owner: int | str | None = None
    due: date | None = None
    status: StatusValue | None = None


class ActionOut(Schema):
    id: int
    incident_id: int
    title: str
    kind: KindValue
    owner: PersonOut
    due: date
    status: StatusValue
    reminded_at: datetime | None
    created_at: datetime
    closed_at: datetime | None


class ActionList(Schema):
    items: list[ActionOut]
