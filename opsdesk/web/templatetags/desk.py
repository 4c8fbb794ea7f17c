"""Small pieces the workspace templates share: badges, stars, SLA countdowns."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def stars(priority: int) -> str:
    return "★" * priority + "☆" * (3 - priority)


@register.simple_tag
def cos_badge(ticket: Any) -> str:
    return format_html('<span class="badge cos-{}">{}</span>', ticket.cos,
                       ticket.get_cos_display())


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
    label = clock.get_target_display()
    if clock.status != "running":
        css = "sla-red" if clock.status == "breached" else "sla-met"
        return format_html('<span class="sla {}">{}: {}</span>', css, label,
                           clock.get_status_display())
    return format_html(
        '<span class="sla sla-ok" data-due="{}" data-start="{}" data-status="running" '
        'data-left="{}" data-overdue="{}">{}</span>',
        clock.due_at.isoformat(), clock.started_at.isoformat(),
        f"{label}: %s " + _("left"), f"{label}: " + _("overdue by") + " %s",
        f"{label}: {clock.due_at:%H:%M}")
