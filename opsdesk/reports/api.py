"""REST API for reports: desk staff only; every figure comes from services.py."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.tickets.api import ERRORS

from . import services
from .downloads import weekly_file
from .patterns import patterns
from .periods import Period, period_between
from .schemas import (
    PatternsQuery,
    PatternsReportOut,
    PeriodQuery,
    SlaReportOut,
    TicketsQuery,
    TicketsReportOut,
    WeeklyQuery,
)

router = Router(tags=["reports"])


def _period(request: HttpRequest, query: PeriodQuery) -> Period:
    require_desk_staff(caller(request))
    return period_between(first_day=query.from_, last_day=query.to)


def _span(period: Period) -> dict[str, Any]:
    return {"from": period.first_day, "to": period.last_day, "time_zone": str(period.zone)}


@router.get("/reports/tickets", response={200: TicketsReportOut, **ERRORS},
            summary="Tickets created in a period, counted by one dimension", by_alias=True)
def tickets_report(request: HttpRequest, filters: Query[TicketsQuery]) -> Any:
    period = _period(request, filters)
    groups = services.ticket_counts(period=period, group_by=filters.group_by)
    total = services.created_in(period).count()
    return {**_span(period), "group_by": filters.group_by, "groups": groups, "total": total}


@router.get("/reports/sla", response={200: SlaReportOut, **ERRORS}, by_alias=True,
            summary="SLA attainment per target and CoS, MTTA and MTTR (mean, p50, p90)")
def sla_report(request: HttpRequest, filters: Query[PeriodQuery]) -> Any:
    report = services.sla_report(period=_period(request, filters))
    attainment = [{**vars(a), "met_share": a.met_share, "breached_share": a.breached_share}
                  for a in report.attainment]
    return {**_span(report.period), "attainment": attainment, "mtta": report.mtta,
            "mttr": report.mttr}


@router.get("/reports/patterns", response={200: PatternsReportOut, **ERRORS}, by_alias=True,
            summary="Recurring patterns: clusters of tickets that are the same request")
def patterns_report(request: HttpRequest, filters: Query[PatternsQuery]) -> Any:
    found = patterns(period=_period(request, filters), limit=filters.limit)
    clusters = [{**vars(c), "count": c.count} for c in found.clusters]
    return {**_span(found.period), "total": found.total, "clusters": clusters,
            "duplicate_rate": found.duplicate_rate}


@router.get("/reports/weekly", response={200: None, **ERRORS},
            summary="The weekly report of an ISO week in Markdown, CSV or PDF")
def weekly_report(request: HttpRequest, filters: Query[WeeklyQuery]) -> HttpResponse:
    require_desk_staff(caller(request))
    report = services.weekly_report(week=filters.week)
    return weekly_file(report=report, file_format=filters.format, disposition="inline")
