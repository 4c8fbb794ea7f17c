"""The weekly report as Markdown and CSV (the PDF is in pdf.py): one report, three bodies."""

import csv
import io

from opsdesk.sla.models import Target
from opsdesk.tickets.models import Cos

from .services import Attainment, Durations, Group, WeeklyReport

CSV_COLUMNS = ("section", "key", "label", "count", "share", "met", "breached", "running",
               "attainment", "mean_seconds", "p50_seconds", "p90_seconds")
SECTIONS = (("cos", "Class of Service"), ("stage", "Stage"), ("team", "Team"),
            ("tag", "Top tags"))


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f} %"


def duration(seconds: float | None) -> str:
    """A duration as people read it: 45 s, 7 min, 3 h 05 min, 2 d 4 h."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def target_label(target: str) -> str:
    return str(dict(Target.choices).get(target, target))


def cos_label(cos: str | None) -> str:
    return "All" if cos is None else str(dict(Cos.choices).get(cos, cos))


def groups_of(report: WeeklyReport) -> dict[str, list[Group]]:
    return {"cos": report.by_cos, "stage": report.by_stage, "team": report.by_team,
            "tag": report.top_tags}


def durations_of(report: WeeklyReport) -> list[tuple[str, str, Durations]]:
    return [("mtta", "Time to acknowledge (MTTA)", report.sla.mtta),
            ("mttr", "Time to resolve (MTTR)", report.sla.mttr)]


def heading(report: WeeklyReport) -> str:
    period = report.period
    return (f"{period.first_day:%d %b %Y} – {period.last_day:%d %b %Y} ({period.zone}), "
            f"generated {report.generated_at:%Y-%m-%d %H:%M}")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
              for row in rows]
    return [*lines, ""]


def _md_sla(attainment: list[Attainment]) -> list[str]:
    if not attainment:
        return ["No SLA clocks on the tickets opened this week.", ""]
    rows = [[target_label(a.target), cos_label(a.cos), str(a.met), str(a.breached),
             str(a.running), percent(a.met_share)] for a in attainment]
    return _md_table(["Target", "Class", "Met", "Breached", "Running", "Attainment"], rows)


def markdown(report: WeeklyReport) -> str:
    """The weekly report in Markdown."""
    lines = [f"# Weekly report {report.period.label}", "", heading(report), ""]
    lines += _md_table(["", "Tickets"], [["Opened", str(report.opened)],
                                        ["Resolved", str(report.resolved)],
                                        ["Closed", str(report.closed)]])
    for section, title in SECTIONS:
        lines += [f"## {title} (tickets opened)", ""]
        groups = groups_of(report)[section]
        rows = [[g.label, str(g.count), percent(g.share)] for g in groups]
        lines += _md_table([title, "Tickets", "Share"], rows) if rows else ["None.", ""]
    lines += ["## SLA attainment (tickets opened)", "", *_md_sla(report.sla.attainment)]
    lines += ["## Time to acknowledge and to resolve", ""]
    rows = [[title, str(d.count), duration(d.mean_seconds), duration(d.p50_seconds),
             duration(d.p90_seconds)] for _, title, d in durations_of(report)]
    lines += _md_table(["", "Tickets", "Mean", "Median", "90th percentile"], rows)
    lines += ["MTTA counts tickets opened this week and answered; MTTR, tickets resolved "
              "this week.", ""]
    return "\n".join(lines)


def csv_text(report: WeeklyReport) -> str:
    """The weekly report as one CSV table: a `section` column says what each row is."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for key in ("opened", "resolved", "closed"):
        writer.writerow({"section": "summary", "key": key, "label": key.capitalize(),
                         "count": getattr(report, key)})
    for section, groups in groups_of(report).items():
        for g in groups:
            writer.writerow({"section": section, "key": g.key or "", "label": g.label,
                             "count": g.count, "share": g.share})
    for a in report.sla.attainment:
        writer.writerow({"section": "sla", "key": f"{a.target}/{a.cos or 'all'}",
                         "label": f"{target_label(a.target)} · {cos_label(a.cos)}",
                         "met": a.met, "breached": a.breached, "running": a.running,
                         "attainment": "" if a.met_share is None else a.met_share})
    for key, title, d in durations_of(report):
        writer.writerow({"section": "durations", "key": key, "label": title, "count": d.count,
                         "mean_seconds": _blank(d.mean_seconds),
                         "p50_seconds": _blank(d.p50_seconds),
                         "p90_seconds": _blank(d.p90_seconds)})
    return out.getvalue()


def _blank(value: float | None) -> str | float:
    return "" if value is None else value
