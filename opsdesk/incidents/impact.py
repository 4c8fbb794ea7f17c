"""An incident's reach: the union of its tickets' impact, each user and group counted once."""

from dataclasses import dataclass

from django.db.models import Max

from opsdesk.tickets.classification import ImpactFacts, active_rules, classify
from opsdesk.tickets.models import ImpactGroup, Ticket

from .models import Incident


@dataclass(frozen=True)
class Reach:
    affected_users: int
    groups: dict[str, int]
    cos: str
    rationale: str


def reach_of(incident: Incident) -> Reach:
    """Who the incident's tickets say is affected, and the class that reach calls for.

    A group named by several tickets counts once, at the most any of them says; a ticket
    naming no group counts its own affected users, once per requester (a requester writing
    twice is one report)."""
    tickets = Ticket.objects.filter(incident=incident)
    groups: dict[str, tuple[str, int]] = {}
    for name, affected in ImpactGroup.objects.filter(ticket__incident=incident) \
            .values("name").annotate(most=Max("affected")).values_list("name", "most"):
        key = name.casefold()
        if affected > groups.get(key, ("", -1))[1]:
            groups[key] = (name, affected)
    ungrouped = tickets.exclude(impact_groups__isnull=False).values("requester_id") \
        .annotate(most=Max("affected_users")).values_list("most", flat=True)
    failure = tickets.aggregate(most=Max("failure_rate"))["most"]
    users = sum(affected for _, affected in groups.values()) + sum(ungrouped)
    facts = ImpactFacts(affected_users=users, blocking=tickets.filter(blocking=True).exists(),
                        critical_function=tickets.filter(critical_function=True).exists(),
                        failure_rate=failure)
    decision = classify(facts, active_rules())
    return Reach(users, dict(groups.values()), decision.cos, decision.rationale)
