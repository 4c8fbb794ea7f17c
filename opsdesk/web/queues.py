"""Queues: named views over the ticket list, with their counts, and the board."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.models import Team, User
from opsdesk.tickets.models import Cos, Stage, Tag, Ticket
from opsdesk.tickets.queries import TicketFilters, filter_tickets

COUNT_CAP = 1000  # counts stop here ("999+") so that queues stay fast at a million tickets
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
    top_tags = Tag.objects.annotate(n=Count("tickets")).order_by("-n")[:8]
    by_tag = [Queue(f"tag-{t.pk}", t.name, {"tag": t.name, "stage": OPEN}) for t in top_tags]
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
