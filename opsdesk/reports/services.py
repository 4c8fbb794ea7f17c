"""Reports: ticket counts by a dimension, SLA attainment, time to acknowledge and to resolve,
and the weekly report — every figure aggregated by the database, none by looping over rows."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opsdesk.core.errors import InvalidInput
from opsdesk.sla.models import ClockStatus, SlaClock, Target
from opsdesk.tickets.models import Cos, Stage, Ticket

from .periods import Period, iso_week
from .sql import Seconds, summarise

GROUP_BY = ("stage", "assignee", "tag", "created_date", "cos", "team")
PERCENTILES = (0.5, 0.9)
TOP_TAGS = 10
NONE_LABELS = {"assignee": _("Unassigned"), "tag": _("No tag"), "team": _("No team")}


@dataclass(frozen=True)
class Group:
    key: str | None
    label: str
    count: int
    share: float


@dataclass(frozen=True)
class Durations:
    """How long something took, in seconds: how many, mean, median and 90th percentile."""

    count: int
    mean_seconds: float | None
    p50_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class Attainment:
    """Finished clocks of one SLA target (and one CoS, or all when `cos` is None)."""

    target: str
    cos: str | None
    met: int
    breached: int
    running: int

    @property
    def met_share(self) -> float | None:
        decided = self.met + self.breached
        return round(self.met / decided, 4) if decided else None

    @property
    def breached_share(self) -> float | None:
        decided = self.met + self.breached
        return round(self.breached / decided, 4) if decided else None


@dataclass(frozen=True)
class SlaReport:
    period: Period
    attainment: list[Attainment]
    mtta: Durations
    mttr: Durations


@dataclass(frozen=True)
class WeeklyReport:
    period: Period
    generated_at: datetime
    opened: int
    resolved: int
    closed: int
    by_cos: list[Group]
    by_stage: list[Group]
    by_team: list[Group]
    top_tags: list[Group]
    sla: SlaReport


def created_in(period: Period) -> QuerySet[Ticket]:
    """Tickets created in the period."""
    return Ticket.objects.filter(created_at__gte=period.starts, created_at__lt=period.ends)


def share_of(count: int, total: int) -> float:
    """count / total to four places (0 when there is nothing to share)."""
    return round(count / total, 4) if total else 0.0


def ticket_counts(*, period: Period, group_by: str) -> list[Group]:
    """Tickets created in the period, counted by one dimension (a tag counts each ticket
    carrying it, so tag shares may add up to more than 1)."""
    if group_by not in GROUP_BY:
        raise InvalidInput(f"group_by must be one of {', '.join(GROUP_BY)}.",
                           fields={"group_by": f"one of {', '.join(GROUP_BY)}"})
    return _counts(period, group_by, total=created_in(period).count())


def _counts(period: Period, group_by: str, *, total: int) -> list[Group]:
    rows = _grouped(created_in(period), group_by, period)
    groups = [Group(key, label, count, share_of(count, total)) for key, label, count in rows]
    return _ordered(groups, group_by)


def _grouped(tickets: QuerySet[Ticket], group_by: str,
             period: Period) -> list[tuple[str | None, str, int]]:
    if group_by == "stage":
        labels = dict(Stage.choices)
        return [(r["stage"], str(labels.get(r["stage"], r["stage"])), r["n"])
                for r in tickets.values("stage").annotate(n=Count("id")).order_by()]
    if group_by == "cos":
        labels = dict(Cos.choices)
        return [(r["cos"], str(labels.get(r["cos"], r["cos"])), r["n"])
                for r in tickets.values("cos").annotate(n=Count("id")).order_by()]
    if group_by == "created_date":
        rows = tickets.annotate(day=TruncDate("created_at", tzinfo=period.zone))
        return [(r["day"].isoformat(), r["day"].isoformat(), r["n"])
                for r in rows.values("day").annotate(n=Count("id")).order_by()]
    if group_by == "tag":
        return _tag_rows(tickets)
    field = {"assignee": "assignee__email", "team": "team__name"}[group_by]
    label_field = {"assignee": "assignee__name", "team": "team__name"}[group_by]
    rows = tickets.values(field, label_field).annotate(n=Count("id")).order_by()
    return [(r[field], r[label_field] or r[field] or str(NONE_LABELS[group_by]), r["n"])
            for r in rows]


def _tag_rows(tickets: QuerySet[Ticket]) -> list[tuple[str | None, str, int]]:
    # One pass: the outer join gives each ticket once per tag, or once with no tag.
    rows = tickets.values("tags__name").annotate(n=Count("id")).order_by()
    return [(r["tags__name"], r["tags__name"] or str(NONE_LABELS["tag"]), r["n"]) for r in rows]


def _ordered(groups: list[Group], group_by: str) -> list[Group]:
    if group_by in ("stage", "cos"):
        order = {v: i for i, v in enumerate((Stage if group_by == "stage" else Cos).values)}
        return sorted(groups, key=lambda g: order.get(g.key or "", len(order)))
    if group_by == "created_date":
        return sorted(groups, key=lambda g: g.key or "")
    return sorted(groups, key=lambda g: (-g.count, g.key is None, g.label.lower()))


def sla_attainment(*, period: Period) -> list[Attainment]:
    """Met, breached and still-running clocks of tickets created in the period, per target
    and CoS, then per target for every CoS (a clock ever breached counts as breached)."""
    clocks = SlaClock.objects.filter(ticket__created_at__gte=period.starts,
                                     ticket__created_at__lt=period.ends)
    never_breached = Q(breached_at__isnull=True)
    rows = clocks.exclude(status=ClockStatus.CANCELLED).values("target", "ticket__cos").annotate(
        # counting `status` (never null) lets the database answer from the covering index
        met=Count("status", filter=Q(status=ClockStatus.MET) & never_breached),
        breached=Count("status", filter=Q(breached_at__isnull=False)),
        running=Count("status", filter=Q(status__in=(ClockStatus.RUNNING, ClockStatus.PAUSED))
                      & never_breached),
    ).order_by()
    per_cos = [Attainment(r["target"], r["ticket__cos"], r["met"], r["breached"], r["running"])
               for r in rows]
    targets, classes = list(Target.values), list(Cos.values)
    per_cos.sort(key=lambda a: (targets.index(a.target), classes.index(a.cos or "")))
    totals = [Attainment(t, None, *(sum(getattr(a, f) for a in per_cos if a.target == t)
                                    for f in ("met", "breached", "running")))
              for t in targets if any(a.target == t for a in per_cos)]
    return totals + per_cos


def _durations(rows: QuerySet, end: str, start: str) -> Durations:
    summary = summarise(rows, Seconds(end, start), PERCENTILES)

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return Durations(summary["count"], rounded(summary["mean"]),
                     *(rounded(summary[f"p{f}"]) for f in PERCENTILES))


def time_to_acknowledge(*, period: Period) -> Durations:
    """From receipt to the first reply (the ack clock's end), for tickets created in the
    period and answered."""
    acks = SlaClock.objects.filter(target=Target.ACK, met_at__isnull=False,
                                   ticket__created_at__gte=period.starts,
                                   ticket__created_at__lt=period.ends)
    return _durations(acks, "met_at", "ticket__received_at")


def time_to_resolve(*, period: Period) -> Durations:
    """From receipt to resolution, for tickets resolved in the period."""
    resolved = Ticket.objects.filter(resolved_at__gte=period.starts, resolved_at__lt=period.ends)
    return _durations(resolved, "resolved_at", "received_at")


def sla_report(*, period: Period) -> SlaReport:
    """SLA attainment, MTTA and MTTR over one period."""
    return SlaReport(period, sla_attainment(period=period), time_to_acknowledge(period=period),
                     time_to_resolve(period=period))


def weekly_report(*, week: str | None) -> WeeklyReport:
    """The weekly report of one ISO week (`2026-W08`; default: last week)."""
    period = iso_week(week)
    in_week = {"gte": period.starts, "lt": period.ends}

    def stamped(field: str) -> int:
        return Ticket.objects.filter(**{f"{field}__{k}": v for k, v in in_week.items()}).count()

    opened = created_in(period).count()

    def counts(group_by: str) -> list[Group]:
        return _counts(period, group_by, total=opened)

    tags = [g for g in counts("tag") if g.key is not None]
    return WeeklyReport(
        period=period, generated_at=timezone.localtime(timezone=period.zone),
        opened=opened, resolved=stamped("resolved_at"),
        closed=stamped("closed_at"), by_cos=counts("cos"), by_stage=counts("stage"),
        by_team=counts("team"), top_tags=tags[:TOP_TAGS], sla=sla_report(period=period),
    )
