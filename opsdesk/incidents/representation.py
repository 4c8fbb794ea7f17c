"""An incident as the API shows it."""

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from opsdesk.accounts.models import User

from .models import Incident, IncidentUpdate


def person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.display_name, "email": user.email} if user else None


def with_relations(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """What `incident_out` reads, for a list in a fixed number of queries."""
    return incidents.select_related("owner").prefetch_related(
        "components", Prefetch("updates", queryset=IncidentUpdate.objects.select_related(
            "author").order_by("-created_at", "-id"))).annotate(ticket_count=Count("tickets"))


def update_out(update: IncidentUpdate) -> dict[str, Any]:
    return {"id": update.pk, "status": update.status, "body": update.body,
            "body_vi": update.body_vi, "public": update.public,
            "author": person(update.author), "created_at": update.created_at,
            "requesters_told": update.requesters_told}


def incident_out(incident: Incident) -> dict[str, Any]:
    """Every field of IncidentOut (updates newest first, notes included: staff only)."""
    plain = ("id", "ref", "title", "summary", "status", "cos", "cos_rationale",
             "cos_overridden", "groups", "affected_users", "source", "from_ticket_id",
             "detected_at", "opened_at", "identified_at", "monitoring_at", "resolved_at",
             "watch_until", "root_cause", "resolution", "updated_at", "version")
    count = getattr(incident, "ticket_count", None)
    return {
        **{name: getattr(incident, name) for name in plain},
        "components": [c.name for c in incident.components.all()],
        "owner": person(incident.owner),
        "ticket_count": count if count is not None else incident.tickets.count(),
        "updates": [update_out(u) for u in incident.updates.all()],
    }
