"""What the workspace's incident pages read: the list, an incident's linked tickets with
their requesters' state, its updates, timeline and follow-ups, a ticket's candidates."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from opsdesk.accounts.models import STAFF_ROLES
from opsdesk.incidents.models import (
    ACTIVE_STATUSES,
    Incident,
    IncidentCandidate,
    IncidentEvent,
    IncidentStatus,
    IncidentUpdate,
)
from opsdesk.tickets.models import ImpactGroup, MessageKind, Ticket

RECENT_RESOLVED_DAYS = 30
RECENT_RESOLVED_LIMIT = 50
LINKED_SHOWN = 200  # a large incident shows its first tickets; the queue lists them all


def listed(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    return incidents.select_related("owner").annotate(ticket_count=Count("tickets"))


def incident_list() -> tuple[list[Incident], list[Incident]]:
    """Active incidents (newest first), then those resolved in the last 30 days."""
    active = listed(Incident.objects.filter(status__in=ACTIVE_STATUSES)).order_by(
        "-opened_at", "-id")
    since = timezone.now() - timedelta(days=RECENT_RESOLVED_DAYS)
    resolved = listed(Incident.objects.filter(status=IncidentStatus.RESOLVED,
                                              resolved_at__gte=since)).order_by(
        "-resolved_at", "-id")[:RECENT_RESOLVED_LIMIT]
    return list(active), list(resolved)


def incident_of(pk: int) -> Incident | None:
    return listed(Incident.objects.filter(pk=pk)).select_related("from_ticket") \
        .prefetch_related("components").first()


@dataclass(frozen=True)
class LinkedTicket:
    """A linked ticket and where its requester stands."""

    ticket: Ticket

    @property
    def answered(self) -> bool:
        """The desk has replied since the requester last wrote."""
        answered_at = getattr(self.ticket, "last_answer_at", None)
        asked_at = getattr(self.ticket, "last_asked_at", None)
        return answered_at is not None and (asked_at is None or answered_at >= asked_at)

    @property
    def breached(self) -> bool:
        return any(c.status == "breached" for c in self.ticket.sla_clocks.all())


def linked_tickets(incident: Incident) -> list[LinkedTicket]:
    """Its linked tickets (the first LINKED_SHOWN), each with its last reply by the desk
    and last message from its requester."""
    staff = Q(messages__author__role__in=STAFF_ROLES)
    replies = Q(messages__kind=MessageKind.REPLY)
    tickets = Ticket.objects.filter(incident=incident).select_related("requester") \
        .prefetch_related("sla_clocks").annotate(
            last_answer_at=Max("messages__created_at", filter=replies & staff),
            last_asked_at=Max("messages__created_at", filter=replies & ~staff),
        ).order_by("pk")[:LINKED_SHOWN]
    return [LinkedTicket(t) for t in tickets]


def groups_of(incident: Incident) -> list[str]:
    """The groups it affects: those named on it, then those its tickets name (each once)."""
    named = ImpactGroup.objects.filter(ticket__incident=incident).order_by("name") \
        .values_list("name", flat=True).distinct()
    seen: dict[str, str] = {}
    for name in [*incident.groups, *named]:
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


def updates_of(incident: Incident) -> list[IncidentUpdate]:
    return list(IncidentUpdate.objects.filter(incident=incident).select_related("author")
                .order_by("-created_at", "-id"))


def events_of(incident: Incident) -> list[IncidentEvent]:
    return list(IncidentEvent.objects.filter(incident=incident).select_related("actor")
                .order_by("at", "id"))


def candidates_of(ticket: Ticket) -> list[IncidentCandidate]:
    """The incidents a ticket looks like (below the auto-link score), best first."""
    return list(IncidentCandidate.objects.filter(ticket=ticket).select_related("incident")
                .order_by("-score", "incident_id"))


def prefetch_incident_hints() -> Prefetch:
    """For a ticket list: each ticket's candidate incidents, best first (the queue's hint)."""
    return Prefetch("incident_candidates", to_attr="incident_hints",
                    queryset=IncidentCandidate.objects.filter(
                        incident__status__in=ACTIVE_STATUSES).order_by("-score", "incident_id"))


def active_incidents() -> list[Incident]:
    return list(Incident.objects.filter(status__in=ACTIVE_STATUSES).order_by("-opened_at")
                .only("id", "title", "status"))
