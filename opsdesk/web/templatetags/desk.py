"""Small pieces the workspace templates share: badges, stars, SLA countdowns."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()
_WORDS: dict[str, dict[str, str]] = {}


def _words() -> dict[str, str]:
    """Translated words for countdowns, looked up once per language, not once per row."""
    language = get_language() or "en"
    if language not in _WORDS:
        from opsdesk.incidents.models import IncidentStatus
        from opsdesk.sla.models import ClockStatus, Target
        from opsdesk.tickets.models import Cos

        _WORDS[language] = {"left": _("left"), "overdue": _("overdue by"),
                            **{f"t:{t.value}": str(t.label) for t in Target},
                            **{f"s:{s.value}": str(s.label) for s in ClockStatus},
                            **{f"c:{c.value}": str(c.label) for c in Cos},
                            **{f"i:{s.value}": str(s.label) for s in IncidentStatus}}
    return _WORDS[language]


@register.filter
def stars(priority: int) -> str:
    return "★" * priority + "☆" * (3 - priority)


@register.filter
def ticket_ref(number: int) -> str:
    """A ticket's number as its reference (#00042)."""
    from opsdesk.tickets.models import format_ref

    return format_ref(number)


@register.filter
def percent(score: float) -> str:
    """A 0–1 likeness as a whole percentage."""
    return f"{round(score * 100)} %"


@register.simple_tag
def cos_badge(ticket: Any) -> str:
    return format_html('<span class="badge cos-{}">{}</span>', ticket.cos,
                       _words()[f"c:{ticket.cos}"])


@register.simple_tag
def incident_status(incident: Any) -> str:
    return format_html('<span class="badge inc-{}">{}</span>', incident.status,
                       _words()[f"i:{incident.status}"])


@register.filter
def next_clock(ticket: Any) -> Any:
    """The running clock due first (from the prefetched clocks)."""
    running = [c for c in ticket.sla_clocks.all() if c.status == "running" and c.due_at]
    return min(running, key=lambda c: c.due_at) if running else None


@register.simple_tag
def countdown(clock: Any) -> str:
    """A live countdown: the script keeps it ticking and turns it amber, then red."""
    if clock is None:
        return ""
    words = _words()
    label = words[f"t:{clock.target}"]
    if clock.status != "running":
        css = "sla-red" if clock.status == "breached" else "sla-met"
        return format_html('<span class="sla {}">{}: {}</span>', css, label,
                           words[f"s:{clock.status}"])
    return format_html(
        '<span class="sla sla-ok" data-due="{}" data-start="{}" data-status="running" '
        'data-left="{}" data-overdue="{}">{}</span>',
        clock.due_at.isoformat(), clock.started_at.isoformat(),
        f"{label}: %s {words['left']}", f"{label}: {words['overdue']} %s",
        f"{label}: {clock.due_at:%H:%M}")
