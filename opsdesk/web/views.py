"""Workspace pages: queues, the board. Thin: filters and pages come from the tickets app."""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from opsdesk.core.errors import InvalidInput
from opsdesk.tickets.models import Cos, Stage, Ticket
from opsdesk.tickets.queries import filter_tickets, page_of_tickets
from opsdesk.tickets.representation import with_relations

from .access import desk_staff_required
from .incident_reads import active_incidents, prefetch_incident_hints
from .queues import cached_counts, filters_from, fresh_counts, queues_for

PAGE_SIZE = 50
BOARD_STAGES = (Stage.NEW, Stage.IN_PROGRESS, Stage.WAITING, Stage.RESOLVED)


def _current_queue(params: Any, groups: list) -> str:
    wanted = {k: v for k, v in params.items() if k not in ("cursor",) and v}
    for _label, queues in groups:
        for queue in queues:
            if queue.params == wanted:
                return str(queue.key)
    return ""


@desk_staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """A ticket list with the side bar of queues; every filter lives in the URL."""
    user = request.user
    groups = queues_for(user)  # type: ignore[arg-type]
    params = request.GET
    error = ""
    try:
        tickets = filter_tickets(Ticket.objects.all(), filters_from(params), user)  # type: ignore[arg-type]
        listed = with_relations(tickets).select_related("incident").prefetch_related(
            prefetch_incident_hints()).defer("description", "cos_rationale", "workaround")
        rows, next_cursor = page_of_tickets(listed, order=params.get("order"),
                                            cursor=params.get("cursor"), size=PAGE_SIZE)
    except InvalidInput as exc:
        rows, next_cursor, error = [], None, exc.message
    next_url = "?" + urlencode({**params.dict(), "cursor": next_cursor}) if next_cursor else ""
    counts = cached_counts(groups, user)  # type: ignore[arg-type]
    return render(request, "web/queue.html", {
        "groups": [(label, [(q, counts.get(q.key, "")) for q in queues])
                   for label, queues in groups],
        "counts_pending": len(counts) < sum(len(queues) for _label, queues in groups),
        "current": _current_queue(params, groups), "tickets": rows, "next_url": next_url,
        "params": params, "error": error, "stages": Stage.choices, "cos_choices": Cos.choices,
        "kept_filters": ("team", "tag", "assignee", "requester", "sla_status", "order",
                         "incident"),
        "active_incidents": active_incidents(),
    })


@desk_staff_required
def queue_counts(request: HttpRequest) -> JsonResponse:
    """Every queue's count (the queue page fills its side bar from this)."""
    return JsonResponse(fresh_counts(queues_for(request.user), request.user))  # type: ignore[arg-type]


@desk_staff_required
def board(request: HttpRequest) -> HttpResponse:
    """Open work by stage."""
    user = request.user
    columns = []
    try:
        filters = filters_from(request.GET)
        for stage in BOARD_STAGES:
            tickets = filter_tickets(Ticket.objects.filter(stage=stage), filters, user)  # type: ignore[arg-type]
            columns.append((stage, with_relations(tickets).order_by("-pk")[:50]))
    except InvalidInput as exc:  # a filter in the URL that does not parse: say which
        return render(request, "web/board.html", {"columns": [], "error": exc.message},
                      status=400)
    return render(request, "web/board.html", {"columns": columns})
