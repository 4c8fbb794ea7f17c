"""Queues: named views over the ticket list, with their counts, and the board."""

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.models import Team, User
from opsdesk.tickets.models import Cos, Stage, Tag, Ticket
from opsdesk.tickets.queries import TicketFilters, filter_tickets

COUNT_CAP = 1000  # counts stop here ("999+") so that queues stay fast at a million tickets
COUNT_SECONDS = 30  # counts are shared and refreshed this often; the list itself is live
OPEN = "new,in_progress,waiting"


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    params: dict[str, str]


def queues_for(user: User) -> list[tuple[str, list[Queue]]]:
    """The queue list of the side bar, grouped."""
    mine = [
        Queue("mine", str(_("Mine")), {"assignee": "me", "stage": OPEN}),
        Queue("unassigned", str(_("Unassigned")), {"assignee": "none", "stage": OPEN}),
        Queue("breaching", str(_("Breaching soon")), {"order": "breaching_soon"}),
        Queue("breached", str(_("Breached")), {"sla_status": "breached", "stage": OPEN}),
    ]
    by_cos = [Queue(f"cos-{c.value}", str(c.label), {"cos": c.value, "stage": OPEN})
              for c in Cos]
    by_stage = [Queue(f"stage-{s.value}", str(s.label), {"stage": s.value}) for s in Stage]
    by_team = [Queue(f"team-{t.pk}", t.name, {"team": t.name, "stage": OPEN})
               for t in Team.objects.order_by("name")]
    by_tag = [Queue(f"tag-{pk}", name, {"tag": name, "stage": OPEN}) for pk, name in top_tags()]
    return [(str(_("My work")), mine), (str(_("Class of Service")), by_cos),
            (str(_("Stage")), by_stage), (str(_("Teams")), by_team), (str(_("Tags")), by_tag)]


def filters_from(params: Any) -> TicketFilters:
    """List filters from the URL's query string (the same names as the API's)."""
    names = ("stage", "cos", "tag", "assignee", "team", "requester", "sla_status", "q")
    return TicketFilters(**{n: params.get(n) or None for n in names})


def capped_count(tickets: QuerySet[Ticket]) -> str:
    """How many, up to the cap."""
    n = tickets.order_by()[:COUNT_CAP].count()
    return f"{COUNT_CAP - 1}+" if n >= COUNT_CAP else str(n)


def count_for(queue: Queue, user: User) -> str:
    tickets = filter_tickets(Ticket.objects.all(), filters_from(queue.params), user)
    if queue.params.get("order") == "breaching_soon":
        tickets = tickets.filter(sla_clocks__status="running").distinct()
    return capped_count(tickets)


def top_tags() -> list[tuple[int, str]]:
    """The most used tags (counted over every ticket, so cached for five minutes)."""
    found: list[tuple[int, str]] | None = cache.get("desk:top-tags")
    if found is None:
        rows = Tag.objects.annotate(n=Count("tickets")).order_by("-n")[:8]
        found = [(t.pk, t.name) for t in rows]
        cache.set("desk:top-tags", found, 300)
    return found


def _count_key(queue: Queue, user: User) -> str:
    personal = queue.params.get("assignee") == "me"
    return f"desk:count:{queue.key}:{user.pk if personal else 'all'}"


def cached_counts(groups: list[tuple[str, list[Queue]]], user: User) -> dict[str, str]:
    """Counts already known (queue key → count); the rest are fetched by the page's script."""
    keys = {_count_key(q, user): q.key for _label, queues in groups for q in queues}
    return {keys[k]: v for k, v in cache.get_many(list(keys)).items()}


def fresh_counts(groups: list[tuple[str, list[Queue]]], user: User) -> dict[str, str]:
    """Count every queue now and share the result for COUNT_SECONDS."""
    counts = {q.key: count_for(q, user) for _label, queues in groups for q in queues}
    cache.set_many({_count_key(q, user): counts[q.key] for _label, queues in groups
                    for q in queues}, COUNT_SECONDS)
    return counts
