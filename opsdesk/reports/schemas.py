"""Report API schemas (API.md, "Reports")."""

from datetime import date
from typing import Literal

from ninja import Field, Schema

GroupBy = Literal["stage", "assignee", "tag", "created_date", "cos", "team"]
Format = Literal["md", "csv", "pdf"]


class PeriodQuery(Schema):
    from_: date | None = Field(None, alias="from", description="First day (default: 30 days "
                               "before `to`), in the desk's time zone.")
    to: date | None = Field(None, description="Last day, included (default: today).")


class TicketsQuery(PeriodQuery):
    group_by: GroupBy = "stage"


class WeeklyQuery(Schema):
    week: str | None = Field(None, description="ISO week, e.g. 2026-W08 (default: last week).")
    format: Format = "md"


class GroupOut(Schema):
    key: str | None
    label: str
    count: int
    share: float


class PeriodOut(Schema):
    """The period a report covers, in the desk's time zone."""

    period_from: date = Field(..., alias="from")
    period_to: date = Field(..., alias="to")
    time_zone: str


class TicketsReportOut(PeriodOut):
    group_by: str
    groups: list[GroupOut]
    total: int


class AttainmentOut(Schema):
    target: str
    cos: str | None = Field(..., description="null: every Class of Service together.")
    met: int
    breached: int
    running: int
    met_share: float | None
    breached_share: float | None


class DurationsOut(Schema):
    count: int
    mean_seconds: float | None
    p50_seconds: float | None
    p90_seconds: float | None


class SlaReportOut(PeriodOut):
    attainment: list[AttainmentOut]
    mtta: DurationsOut
    mttr: DurationsOut


class PatternsQuery(PeriodQuery):
    limit: int = Field(20, ge=1, le=200, description="How many clusters to list, largest first.")


class ClusterOut(Schema):
    label: str = Field(..., description="The title of the cluster's first ticket.")
    ticket_ids: list[int]
    count: int
    share: float
    users_affected: int
    time_spent_minutes: int


class PatternsReportOut(PeriodOut):
    total: int
    clusters: list[ClusterOut]
    duplicate_rate: float = Field(..., description="Share of the period's tickets that repeat "
                                  "an earlier ticket of their cluster.")
