"""The status page's words for statuses, in the active language."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opsdesk.incidents.models import IncidentStatus

from .queries import DEGRADED, MAJOR_OUTAGE, OPERATIONAL

COMPONENT_STATUS: dict[str, Promise] = {
    OPERATIONAL: _("Operational"),
    DEGRADED: _("Degraded"),
    MAJOR_OUTAGE: _("Major outage"),
}

PAGE_STATUS: dict[str, Promise] = {
    OPERATIONAL: _("All systems operational"),
    DEGRADED: _("Some systems are degraded"),
    MAJOR_OUTAGE: _("Major outage"),
}

INCIDENT_STATUS: dict[str, Promise] = {
    IncidentStatus.INVESTIGATING: _("Investigating"),
    IncidentStatus.IDENTIFIED: _("Identified"),
    IncidentStatus.MONITORING: _("Monitoring"),
    IncidentStatus.RESOLVED: _("Resolved"),
}


def component_status_label(status: str) -> str:
    return str(COMPONENT_STATUS.get(status, status))


def page_status_label(status: str) -> str:
    return str(PAGE_STATUS.get(status, status))


def incident_status_label(status: str) -> str:
    return str(INCIDENT_STATUS.get(status, status))


def banner_labels() -> dict[str, str]:
    """The banner script's own words."""
    return {"dismiss": str(_("Dismiss")), "more": str(_("Status page")),
            "title": str(_("Service status"))}


def language_of(value: str | None) -> str:
    """"vi" for any Vietnamese tag (vi, vi-VN), else "en"."""
    return "vi" if (value or "").strip().lower().startswith("vi") else "en"
