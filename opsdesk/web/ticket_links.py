"""A ticket's links to others: to an incident (from its page or, for several, from the
queue), merged into another ticket, or split from one of its requester's messages."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opsdesk.accounts.models import STAFF_ROLES
from opsdesk.core.errors import DomainError
from opsdesk.tickets.models import Message, MessageKind, Ticket, format_ref
from opsdesk.workflows import incidents as incident_workflow
from opsdesk.workflows import merging

from .access import desk_staff_required
from .incident_forms import ChooseIncidentForm, MergeForm, OpenIncidentForm
from .incident_reads import active_incidents, candidates_of

SPLIT_LABEL_LENGTH = 80


def requester_messages(ticket: Ticket) -> list[Message]:
    """The requester-side replies on a ticket: each may be split off into a ticket."""
    return list(Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY)
                .exclude(author__role__in=STAFF_ROLES).select_related("author")
                .order_by("created_at", "id"))


def split_label(message: Message) -> str:
    first = next((line.strip() for line in message.body.splitlines() if line.strip()), "")
    if len(first) > SPLIT_LABEL_LENGTH:
        first = first[:SPLIT_LABEL_LENGTH - 1] + "…"
    return f"{message.created_at:%Y-%m-%d %H:%M} · {message.author.display_name}: {first}"


def incident_context(ticket: Ticket) -> dict[str, Any]:
    """What the ticket page shows of incidents and of merging: the ticket's incident, or
    the incidents it looks like; the forms to open one from it, to merge it, to split it."""
    linked = ticket.incident
    return {
        "incident": linked,
        "incident_candidates": [] if linked else candidates_of(ticket),
        "active_incidents": [] if linked else active_incidents(),
        "open_incident_form": OpenIncidentForm(initial={
            "title": ticket.title, "from_ticket": ticket.pk}),
        "merge_form": MergeForm(),
        "split_choices": [(m.pk, split_label(m)) for m in requester_messages(ticket)],
    }


def _ticket(pk: int) -> Ticket:
    ticket = Ticket.objects.filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the list the agent came from (the queue with its filters), or the queue."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(wanted)
    return redirect("web:queue")


@desk_staff_required
@require_POST
def post_ticket_incident(request: HttpRequest, pk: int) -> HttpResponse:
    """Link this ticket to an active incident (a candidate's button, or one chosen)."""
    ticket = _ticket(pk)
    form = ChooseIncidentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active incident to link this ticket to."))
        return redirect("web:ticket", pk)
    incident = form.cleaned_data["incident"]
    try:
        incident_workflow.link_tickets(incident=incident, tickets=[ticket], actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:ticket", pk)
    messages.success(request, _("Linked to %(ref)s.") % {"ref": incident.ref})
    return redirect("web:ticket", pk)


@desk_staff_required
@require_POST
def post_queue_link(request: HttpRequest) -> HttpResponse:
    """Link the tickets ticked in the queue to one active incident."""
    form = ChooseIncidentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active incident, and tickets that exist."))
        return _back(request)
    tickets = list(form.cleaned_data["ticket"])
    if not tickets:
        messages.error(request, _("Tick the tickets to link first."))
        return _back(request)
    incident = form.cleaned_data["incident"]
    try:
        linked = incident_workflow.link_tickets(incident=incident, tickets=tickets,
                                                actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request)
    messages.success(request, _("%(n)s ticket(s) linked to %(ref)s.") % {
        "n": len(linked), "ref": incident.ref})
    return _back(request)


@desk_staff_required
@require_POST
def post_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge this ticket into another (the same request): this one is cancelled."""
    ticket = _ticket(pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("into", [])))
        return redirect("web:ticket", pk)
    into = Ticket.objects.filter(pk=form.cleaned_data["into"]).first()
    if into is None:
        messages.error(request, _("No ticket %(ref)s.") % {
            "ref": format_ref(form.cleaned_data["into"])})
        return redirect("web:ticket", pk)
    try:
        merging.merge_ticket(ticket=ticket, into=into, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:ticket", pk)
    messages.success(request, _("%(ticket)s merged into %(into)s.") % {
        "ticket": ticket.ref, "into": into.ref})
    return redirect("web:ticket", into.pk)


@desk_staff_required
@require_POST
def post_split(request: HttpRequest, pk: int) -> HttpResponse:
    """Split one of the requester's messages off into a ticket of its own."""
    ticket = _ticket(pk)
    raw = request.POST.get("message", "")
    message = Message.objects.filter(pk=int(raw), ticket=ticket).first() \
        if raw.isdecimal() and len(raw) <= 9 else None
    try:
        new = merging.split_ticket(ticket=ticket, message=message, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:ticket", pk)
    messages.success(request, _("Split off into %(ref)s.") % {"ref": new.ref})
    return redirect("web:ticket", new.pk)
