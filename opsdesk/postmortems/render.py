"""A postmortem as Markdown and as JSON (the PDF is in pdf.py): one view, three bodies.

Times in Markdown and PDF are shown in one time zone (the desk's unless asked), named in
the heading; JSON gives them in UTC."""

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string

from opsdesk.incidents.models import IncidentStatus
from opsdesk.tickets.models import Cos

from .models import ActionItem
from .queries import PostmortemView, spoken
from .timeline import Step

NOT_WRITTEN = "Not written yet."
# Section titles, in order: the same in every format.
SECTIONS = ("Summary", "Duration", "Impact", "Trigger", "Detection", "Root cause",
            "Resolution", "Timeline", "Corrective and preventive actions", "Lessons learned")


def desk_zone(zone: tzinfo | None = None) -> tzinfo:
    return zone or ZoneInfo(settings.TIME_ZONE)


def heading(view: PostmortemView, zone: tzinfo) -> str:
    incident = view.incident
    status = IncidentStatus(incident.status).label
    cos = dict(Cos.choices).get(incident.cos, incident.cos)
    return (f"{incident.ref} · {status} · {cos} · times in {zone} · "
            f"generated {view.generated_at.astimezone(zone):%Y-%m-%d %H:%M}")


def impact_lines(view: PostmortemView) -> list[str]:
    impact = view.impact
    return [f"Affected users: {impact.affected_users}",
            f"Groups: {', '.join(impact.groups) or 'none named'}",
            f"Components: {', '.join(impact.components) or 'none named'}",
            f"Linked tickets: {impact.tickets}",
            f"Duplicates answered by the incident's replies: {impact.duplicates_answered}"]


def timing_lines(view: PostmortemView) -> list[str]:
    return [f"{label}: {spoken(span)}" for _, label, span in view.timings]


def moment_lines(view: PostmortemView, zone: tzinfo) -> list[str]:
    m = view.moments
    return [f"{label}: {at_text(at, zone)}" for label, at in (
        ("Detected", m.detected), ("Opened", m.opened), ("Identified", m.identified),
        ("Resolved", m.resolved))]


def step_line(step: Step, zone: tzinfo, *, with_date: bool) -> str:
    """One timeline step as a line of text; a misleading one says so."""
    when = step.at.astimezone(zone).strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")
    line = f"{when} {step.label}: {step.body}"
    if step.misleading:
        line += f" [MISLEADING{': ' + step.note if step.note else ''}]"
    elif step.note:
        line += f" ({step.note})"
    return line


def action_line(item: ActionItem) -> str:
    owner = item.owner.display_name if item.owner_id else "no owner"
    return f"{item.title} — {owner}, due {item.due:%Y-%m-%d}, {item.get_status_display()}"


def timeline_lines(view: PostmortemView, zone: tzinfo) -> list[str]:
    days = {s.at.astimezone(zone).date() for s in view.timeline}
    return [step_line(s, zone, with_date=len(days) > 1) for s in view.timeline]


def render_markdown(view: PostmortemView, zone: tzinfo | None = None) -> str:
    """The postmortem in Markdown (template postmortems/postmortem.md)."""
    zone = desk_zone(zone)
    context = {
        "view": view, "heading": heading(view, zone), "timings": timing_lines(view),
        "moments": moment_lines(view, zone), "impact": impact_lines(view),
        "timeline": timeline_lines(view, zone),
        "corrective": [action_line(a) for a in view.corrective],
        "preventive": [action_line(a) for a in view.preventive],
        "not_written": NOT_WRITTEN,
    }
    return render_to_string("postmortems/postmortem.md", context)


def as_json(view: PostmortemView) -> dict[str, Any]:
    """The postmortem as the API's JSON (times in UTC, durations in seconds and in words)."""
    m = view.moments
    return {
        "incident_id": view.incident.pk, "ref": view.incident.ref,
        "title": view.incident.title, "status": view.incident.status,
        "cos": view.incident.cos, "generated_at": view.generated_at,
        **{name: getattr(view, name) for name in
           ("summary", "trigger", "detection", "root_cause", "resolution", "lessons")},
        "detected_at": m.detected, "opened_at": m.opened, "identified_at": m.identified,
        "resolved_at": m.resolved,
        "timings": {key: {"seconds": _seconds(span), "text": spoken(span)}
                    for key, _, span in view.timings},
        "impact": vars(view.impact),
        "timeline": [_step_json(s) for s in view.timeline],
        "actions": [action_json(a) for a in view.actions],
    }


def _seconds(span: Any) -> int | None:
    return None if span is None else int(span.total_seconds())


def _step_json(step: Step) -> dict[str, Any]:
    return {"id": step.id, "at": step.at, "kind": step.kind, "label": step.label,
            "body": step.body, "misleading": step.misleading, "note": step.note,
            "edited": step.edited, "added": step.added}


def action_json(item: ActionItem) -> dict[str, Any]:
    owner = item.owner
    return {"id": item.pk, "incident_id": item.incident_id, "title": item.title,
            "kind": item.kind, "owner": {"id": owner.pk, "name": owner.display_name,
                                         "email": owner.email, "role": owner.role},
            "due": item.due, "status": item.status, "reminded_at": item.reminded_at,
            "created_at": item.created_at, "closed_at": item.closed_at}


def at_text(value: datetime | None, zone: tzinfo) -> str:
    return "—" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
