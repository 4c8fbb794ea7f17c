"""Reads of incidents for other apps: the incidents a ticket looks like."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from opsdesk.tickets.models import Ticket

from .models import ACTIVE_STATUSES, IncidentCandidate


def active_candidates() -> QuerySet[IncidentCandidate]:
    """Candidate incidents still active, best first."""
    return IncidentCandidate.objects.filter(incident__status__in=ACTIVE_STATUSES) \
        .order_by("-score", "incident_id")


def prefetch_incident_candidates() -> Prefetch:
    """What `incident_candidate_list` reads, for a list of tickets in one query."""
    return Prefetch("incident_candidates", queryset=active_candidates())


def incident_candidate_list(ticket: Ticket) -> list[dict[str, Any]]:
    """The active incidents a ticket not linked to one looks like, best first (API.md)."""
    if ticket.incident_id is not None:
        return []
    if "incident_candidates" in getattr(ticket, "_prefetched_objects_cache", {}):
        rows = list(ticket.incident_candidates.all())
    else:
        rows = list(active_candidates().filter(ticket=ticket))
    return [{"incident_id": c.incident_id, "score": c.score} for c in rows]
