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
    return TicketFilters.from_params(params)


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


def _count_keys(user: User) -> tuple[str, str]:
    """Where the counts are shared: everyone's queues, and this user's own ("mine")."""
    return "desk:counts:all", f"desk:counts:user:{user.pk}"


def _personal(queue: Queue) -> bool:
    return queue.params.get("assignee") == "me"


def cached_counts(groups: list[tuple[str, list[Queue]]], user: User) -> dict[str, str]:
    """Counts already known (queue key → count); the rest are fetched by the page's script."""
    shared, own = _count_keys(user)
    found = cache.get_many([shared, own])
    known = {**found.get(shared, {}), **found.get(own, {})}
    return {q.key: known[q.key] for _label, queues in groups for q in queues if q.key in known}


def fresh_counts(groups: list[tuple[str, list[Queue]]], user: User) -> dict[str, str]:
    """Count every queue now and share the result for COUNT_SECONDS (two cache entries, so
    reading and writing them costs the same for any number of queues)."""
    queues = [q for _label, in_group in groups for q in in_group]
    counts = {q.key: count_for(q, user) for q in queues}
    shared, own = _count_keys(user)
    cache.set_many({shared: {q.key: counts[q.key] for q in queues if not _personal(q)},
                    own: {q.key: counts[q.key] for q in queues if _personal(q)}}, COUNT_SECONDS)
    return counts
