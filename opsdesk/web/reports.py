"""The weekly report in the workspace: one ISO week on a page, and the same as a file."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from opsdesk.core.errors import InvalidInput
from opsdesk.reports.downloads import FORMATS, weekly_file
from opsdesk.reports.render import cos_label, duration, percent, target_label
from opsdesk.reports.services import WeeklyReport, weekly_report

from .access import desk_staff_required


@desk_staff_required
def weekly_page(request: HttpRequest) -> HttpResponse:
    """The week asked for (default: last week) as tables, with its downloads."""
    week = request.GET.get("week", "").strip() or None
    try:
        report = weekly_report(week=week)
    except InvalidInput:
        return render(request, "web/weekly_report.html", {"bad_week": week}, status=400)
    return render(request, "web/weekly_report.html", _context(report))


@desk_staff_required
def weekly_download(request: HttpRequest, file_format: str) -> HttpResponse:
    """The week's report as Markdown, CSV or PDF."""
    if file_format not in FORMATS:
        raise Http404
    try:
        report = weekly_report(week=request.GET.get("week", "").strip() or None)
    except InvalidInput as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    return weekly_file(report=report, file_format=file_format, disposition="attachment")


def _context(report: WeeklyReport) -> dict:
    def rows(groups: list) -> list[tuple[str, int, str]]:
        return [(g.label, g.count, percent(g.share)) for g in groups]

    sla = report.sla
    return {
        "report": report, "week": report.period.label, "formats": FORMATS,
        "sections": [("cos", rows(report.by_cos)), ("stage", rows(report.by_stage)),
                     ("team", rows(report.by_team)), ("tag", rows(report.top_tags))],
        "attainment": [(target_label(a.target), a.cos and cos_label(a.cos), a, percent(a.met_share))
                       for a in sla.attainment],
        "durations": [(key, d.count, duration(d.mean_seconds), duration(d.p50_seconds),
                       duration(d.p90_seconds)) for key, d in (("mtta", sla.mtta),
                                                               ("mttr", sla.mttr))],
    }
