"""Reads of the likely duplicates recorded for tickets."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from opsdesk.tickets.models import OPEN_STAGES, Ticket

from .models import DuplicateCandidate
from .services import max_candidates


def open_candidates() -> QuerySet[DuplicateCandidate]:
    """Likely duplicates that are still open, best first."""
    return DuplicateCandidate.objects.filter(candidate__stage__in=OPEN_STAGES) \
        .order_by("-score", "candidate_id").only("ticket_id", "candidate_id", "score")


def prefetch_candidates() -> Prefetch:
    """What `candidate_list` reads, for a list of tickets in one query."""
    return Prefetch("duplicate_candidates", queryset=open_candidates())


def candidate_list(ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's likely duplicates that are still open, best first (API.md)."""
    if "duplicate_candidates" in getattr(ticket, "_prefetched_objects_cache", {}):
        rows = list(ticket.duplicate_candidates.all())
    else:
        rows = list(open_candidates().filter(ticket=ticket))
    return [{"ticket_id": c.candidate_id, "score": c.score} for c in rows[:max_candidates()]]


def likely_duplicates(ticket: Ticket) -> list[DuplicateCandidate]:
    """The ticket's open likely duplicates with what the desk needs to recognise them."""
    rows = open_candidates().filter(ticket=ticket).select_related("candidate").only(
        "ticket_id", "candidate_id", "score", "candidate__title", "candidate__stage",
        "candidate__cos", "candidate__created_at")
    return list(rows[:max_candidates()])
