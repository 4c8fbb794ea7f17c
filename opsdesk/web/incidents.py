"""The incidents list and the incident page, with their actions. Each action is a thin
POST: form → workflow → redirect; a refused change re-renders the page with the error
and stores nothing."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opsdesk.core.errors import DomainError, InvalidInput
from opsdesk.incidents.followups import mark_follow_up_done
from opsdesk.incidents.models import Incident
from opsdesk.postmortems.downloads import FORMATS, postmortem_file
from opsdesk.postmortems.queries import postmortem_for
from opsdesk.postmortems.render import render_markdown
from opsdesk.tickets.models import OPEN_STAGES, Ticket, format_ref
from opsdesk.tickets.services import UNSET
from opsdesk.workflows import incidents as workflow

from .access import desk_staff_required
from .incident_forms import (
    ChangeForm,
    LinkNumbersForm,
    OpenIncidentForm,
    ResolveForm,
    UpdateForm,
    change_initial,
)
from .incident_reads import (
    LINKED_SHOWN,
    events_of,
    groups_of,
    incident_list,
    incident_of,
    linked_tickets,
    updates_of,
)


def _incident(pk: int) -> Incident:
    incident = incident_of(pk)
    if incident is None:
        raise Http404
    return incident


def _list_page(request: HttpRequest, form: OpenIncidentForm | None = None,
               status: int = 200) -> HttpResponse:
    active, resolved = incident_list()
    return render(request, "web/incidents.html", {
        "active": active, "resolved": resolved, "open_form": form or OpenIncidentForm(),
    }, status=status)


@desk_staff_required
def incidents_page(request: HttpRequest) -> HttpResponse:
    """Active incidents first, then the recently resolved, and the form to open one."""
    return _list_page(request)


def _refuse(form: forms.Form, exc: DomainError) -> None:
    """A domain refusal on the form: its sentence on top, a short note by each field."""
    form.add_error(None, exc.message)
    for field, why in exc.fields.items():
        if field in form.fields:
            form.add_error(field, why)


@desk_staff_required
@require_POST
def post_open(request: HttpRequest) -> HttpResponse:
    """Open an incident, by hand or from a ticket (which is linked to it)."""
    form = OpenIncidentForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    data = form.cleaned_data
    from_ticket = None
    if data["from_ticket"]:
        from_ticket = Ticket.objects.filter(pk=data["from_ticket"]).first()
        if from_ticket is None:
            form.add_error(None, _("No ticket %(n)s.") % {"n": data["from_ticket"]})
            return _list_page(request, form, status=400)
    try:
        incident = workflow.open_incident(
            title=data["title"], actor=request.user, cos=data["cos"] or None,  # type: ignore[arg-type]
            components=data["components"], groups=data["groups"], summary=data["summary"],
            from_ticket=from_ticket, owner=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        _refuse(form, exc)
        return _list_page(request, form, status=400)
    messages.success(request, _("%(ref)s opened; you own it.") % {"ref": incident.ref})
    return redirect("web:incident", incident.pk)


def _page(request: HttpRequest, incident: Incident, status: int = 200,
          **bound: forms.Form) -> HttpResponse:
    linked = linked_tickets(incident)
    forms_ = {
        "update_form": UpdateForm(),
        "resolve_form": ResolveForm(initial={"root_cause": incident.root_cause}),
        "change_form": ChangeForm(initial=change_initial(incident)),
        "link_form": LinkNumbersForm(),
        **bound,
    }
    return render(request, "web/incident.html", {
        "incident": incident, "linked": linked,
        "more_linked": max(0, incident.ticket_count - LINKED_SHOWN),  # type: ignore[attr-defined]
        "open_linked": sum(1 for row in linked if row.ticket.stage in OPEN_STAGES),
        "updates": updates_of(incident), "events": events_of(incident),
        "follow_ups": incident.follow_ups.all(),
        "components": [c.name for c in incident.components.all()],
        "groups": groups_of(incident),
        "postmortem_formats": FORMATS,
        **forms_,
    }, status=status)


@desk_staff_required
def incident_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _incident(pk))


def _form_action(request: HttpRequest, pk: int, form_class: type[forms.Form], name: str,
                 act: Callable[[Incident, Any, dict[str, Any]], str]) -> HttpResponse:
    """Every form of the incident page: validate, call a workflow, report back; `act`
    performs the change and returns the confirmation."""
    incident = _incident(pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _page(request, incident, status=400, **{name: form})
    try:
        text = act(incident, request.user, dict(form.cleaned_data))
    except DomainError as exc:
        _refuse(form, exc)
        return _page(request, _incident(pk), status=400, **{name: form})
    messages.success(request, text)
    return redirect("web:incident", pk)


def _update(incident: Incident, actor: Any, data: dict[str, Any]) -> str:
    public = data["visibility"] == "public"
    workflow.post_update(incident=incident, actor=actor, body=data["body"],
                         body_vi=data["body_vi"], status=data["status"] or None,
                         public=public, notify=public and data["notify"])
    if not public:
        return _("Internal note added.")
    if data["notify"]:
        return _("Update published; every open linked requester gets it by email.")
    return _("Update published (status page and banner); no email to requesters.")


def _resolve(incident: Incident, actor: Any, data: dict[str, Any]) -> str:
    workflow.resolve_incident(incident=incident, actor=actor, resolution=data["resolution"],
                              resolution_vi=data["resolution_vi"],
                              root_cause=data["root_cause"], notify=data["notify"])
    if data["notify"]:
        return _("%(ref)s resolved; its open tickets are resolved and their requesters "
                 "told.") % {"ref": incident.ref}
    return _("%(ref)s resolved; its open tickets are resolved.") % {"ref": incident.ref}


def _change(incident: Incident, actor: Any, data: dict[str, Any]) -> str:
    cos_changed = data["cos"] != incident.cos
    workflow.change_incident(
        incident=incident, actor=actor, version=data["version"], title=data["title"],
        owner=data["owner"], status=data["status"] or UNSET,
        cos=data["cos"] if cos_changed else UNSET, cos_reason=data["cos_reason"],
        components=data["components"], groups=data["groups"])
    return _("%(ref)s saved.") % {"ref": incident.ref}


def _link(incident: Incident, actor: Any, data: dict[str, Any]) -> str:
    found = Ticket.objects.in_bulk(data["tickets"])
    missing = [n for n in data["tickets"] if n not in found]
    if missing:
        raise InvalidInput(_("No ticket %(numbers)s.") % {
            "numbers": ", ".join(format_ref(n) for n in missing)},
            fields={"tickets": _("unknown ticket")})
    linked = workflow.link_tickets(incident=incident, actor=actor,
                                   tickets=[found[n] for n in data["tickets"]])
    if not linked:
        return _("Those tickets were linked already.")
    return _("Linked to %(ref)s: %(refs)s.") % {
        "ref": incident.ref, "refs": ", ".join(t.ref for t in linked)}


@desk_staff_required
@require_POST
def post_update(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(request, pk, UpdateForm, "update_form", _update)


@desk_staff_required
@require_POST
def post_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(request, pk, ResolveForm, "resolve_form", _resolve)


@desk_staff_required
@require_POST
def post_change(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(request, pk, ChangeForm, "change_form", _change)


@desk_staff_required
@require_POST
def post_link(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(request, pk, LinkNumbersForm, "link_form", _link)


@desk_staff_required
@require_POST
def post_unlink(request: HttpRequest, pk: int, ticket_id: int) -> HttpResponse:
    incident = _incident(pk)
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404
    try:
        workflow.unlink_ticket(incident=incident, ticket=ticket, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:incident", pk)
    messages.success(request, _("%(ticket)s unlinked from %(ref)s.") % {
        "ticket": ticket.ref, "ref": incident.ref})
    return redirect("web:incident", pk)


@desk_staff_required
@require_POST
def post_follow_up_done(request: HttpRequest, pk: int, follow_up_id: int) -> HttpResponse:
    follow_up = _incident(pk).follow_ups.filter(pk=follow_up_id).first()
    if follow_up is None:
        raise Http404
    try:
        mark_follow_up_done(follow_up=follow_up, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:incident", pk)
    messages.success(request, _("Follow-up done: %(title)s") % {"title": follow_up.title})
    return redirect("web:incident", pk)


@desk_staff_required
def postmortem_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The postmortem as it reads now (Markdown, shown as text), with its downloads."""
    incident = _incident(pk)
    return render(request, "web/postmortem.html", {
        "incident": incident, "markdown": render_markdown(postmortem_for(incident)),
        "formats": FORMATS})


@desk_staff_required
def postmortem_download(request: HttpRequest, pk: int, file_format: str) -> HttpResponse:
    """The postmortem file: the same bytes as the API's, for a signed-in desk session."""
    if file_format not in FORMATS:
        raise Http404
    return postmortem_file(view=postmortem_for(_incident(pk)), file_format=file_format,
                           disposition="attachment")
