"""Keep the duplicate index in step with tickets, and show likely duplicates on them."""

from typing import Any, cast

from django.db.models import Prefetch
from django.db.models.signals import post_save

from opsdesk.core import scheduler
from opsdesk.tickets import representation, signals
from opsdesk.tickets.models import OPEN_STAGES, Ticket
from opsdesk.tickets.signals import NewTicket

from . import services
from .models import DuplicateCandidate

TEXT_FIELDS = frozenset({"title", "description"})


def _created(sender: Any, created: list[NewTicket], **kwargs: Any) -> None:
    services.index_new_tickets(created=created)


def _stage(sender: Any, ticket: Ticket, previous: str, **kwargs: Any) -> None:
    was_open, is_open = previous in OPEN_STAGES, ticket.stage in OPEN_STAGES
    if was_open and not is_open:
        services.unindex_ticket(ticket=ticket)
    elif is_open and not was_open:  # reopened
        services.index_ticket(ticket=ticket, replace=True)


def _saved(sender: Any, instance: Ticket, created: bool, update_fields: Any = None,
           raw: bool = False, **kwargs: Any) -> None:
    """A changed title or description re-indexes an open ticket (a save naming no fields,
    as the admin's, may have changed them)."""
    if created or raw or instance.stage not in OPEN_STAGES:
        return
    if update_fields is None or TEXT_FIELDS & set(update_fields):
        services.index_ticket(ticket=instance, replace=True)


def candidate_list(ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's likely duplicates that are still open, best first (API.md)."""
    if "duplicate_candidates" in getattr(ticket, "_prefetched_objects_cache", {}):
        rows = list(ticket.duplicate_candidates.all())
    else:
        rows = list(open_candidates().filter(ticket=ticket))
    return [{"ticket_id": c.candidate_id, "score": c.score}
            for c in rows[:services.max_candidates()]]


def likely_duplicates(ticket: Ticket) -> list[DuplicateCandidate]:
    """The ticket's open likely duplicates with what the desk needs to recognise them."""
    rows = open_candidates().filter(ticket=ticket).select_related("candidate").only(
        "ticket_id", "candidate_id", "score", "candidate__title", "candidate__stage",
        "candidate__cos", "candidate__created_at")
    return list(rows[:services.max_candidates()])


def open_candidates() -> Any:
    return DuplicateCandidate.objects.filter(candidate__stage__in=OPEN_STAGES) \
        .order_by("-score", "candidate_id").only("ticket_id", "candidate_id", "score")


def connect() -> None:
    """Connect the receivers and register the hooks (called once, from AppConfig.ready)."""
    signals.tickets_created.connect(_created, dispatch_uid="duplicates.created")
    signals.stage_changed.connect(_stage, dispatch_uid="duplicates.stage")
    post_save.connect(_saved, sender=Ticket, dispatch_uid="duplicates.saved")
    representation.CANDIDATE_PROVIDERS.append(candidate_list)
    # PREFETCHES is typed for lookups by name; prefetch_related takes a Prefetch just as well.
    representation.PREFETCHES.append(cast(str, Prefetch(
        "duplicate_candidates", queryset=open_candidates())))
    scheduler.register(name="duplicate term counts", every_seconds=300,
                       job=services.refresh_frequencies)
