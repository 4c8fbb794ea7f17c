"""The ticket page and its actions. Each action is a thin POST: form → service → redirect;
a refused change re-renders the page with the error next to its field and stores nothing."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opsdesk.communications.rendering import render as render_template
from opsdesk.core.errors import DomainError
from opsdesk.duplicates.queries import likely_duplicates
from opsdesk.sla.models import Target
from opsdesk.tickets import escalations, stages, verification
from opsdesk.tickets.models import Ticket
from opsdesk.tickets.representation import with_relations
from opsdesk.tickets.timeline import phases, timeline
from opsdesk.workflows import escalations as escalation_workflow
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

from .access import desk_staff_required
from .forms import (
    AssignForm,
    CosForm,
    EscalationForm,
    ImpactForm,
    MessageForm,
    StageForm,
    TemplatePickForm,
    impact_from,
    initial_impact,
)
from .ticket_links import incident_context

CLOCK_ORDER = {t: i for i, t in enumerate(Target.values)}
RECENT_ENTRIES = 200  # a long incident opens on its latest entries; "show all" has the rest


def _ticket(pk: int) -> Ticket:
    ticket = with_relations(Ticket.objects.select_related("incident")).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


def _page(request: HttpRequest, ticket: Ticket, status: int = 200,
          **bound: forms.Form) -> HttpResponse:
    template_key = request.GET.get("template", "")
    composer_body = ""
    if template_key:
        try:
            composer_body = render_template(key=template_key, ticket=ticket,
                                            agent=request.user).body  # type: ignore[arg-type]
        except DomainError as exc:
            messages.error(request, exc.message)
            template_key = ""
    forms_ = {
        "message_form": MessageForm(initial={"body": composer_body, "template": template_key}),
        "pick_form": TemplatePickForm(initial={"template": template_key}),
        "stage_form": StageForm(initial={"stage": ticket.stage}),
        "impact_form": ImpactForm(initial=initial_impact(ticket)),
        "assign_form": AssignForm(initial={"assignee": ticket.assignee, "team": ticket.team}),
        "cos_form": CosForm(initial={"cos": ticket.cos}),
        "escalation_form": EscalationForm(),
        **bound,
    }
    clocks = sorted((c for c in ticket.sla_clocks.all() if c.status != "cancelled"),
                    key=lambda c: CLOCK_ORDER[c.target])
    entries = timeline(ticket, request.user)  # type: ignore[arg-type]
    earlier = 0 if request.GET.get("all") else max(0, len(entries) - RECENT_ENTRIES)
    for entry in entries[earlier:]:
        entry["when"] = timezone.localtime(entry["created_at"]).strftime("%Y-%m-%d %H:%M")
    return render(request, "web/ticket.html", {
        "ticket": ticket, "clocks": clocks, "entries": entries[earlier:], "earlier": earlier,
        "phases": phases(ticket), "checks": ticket.checks.all(),
        "runs": ticket.automation_runs.select_related("actor").prefetch_related("steps")[:10],
        "escalations": ticket.escalations.select_related("team").prefetch_related("responses"),
        "duplicates": likely_duplicates(ticket),
        **incident_context(ticket),
        **forms_,
    }, status=status)


def _refused(request: HttpRequest, ticket: Ticket, form: forms.Form, name: str,
             exc: DomainError) -> HttpResponse:
    """Show a domain refusal: its full sentence on the form, a short note by each field."""
    form.add_error(None, exc.message)
    for field, why in exc.fields.items():
        if field in form.fields:
            form.add_error(field, why)
    return _page(request, _ticket(ticket.pk), status=400, **{name: form})


@desk_staff_required
def ticket_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _ticket(pk))


def _done(request: HttpRequest, ticket: Ticket, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("web:ticket", ticket.pk)


@desk_staff_required
@require_POST
def post_message(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(pk)
    form = MessageForm(request.POST)
    kind = request.POST.get("kind")
    if kind not in ("note", "reply"):
        form.add_error(None, _("Choose: internal note or reply to the requester."))
    if not form.is_valid():
        return _page(request, ticket, status=400, message_form=form)
    try:
        message_workflow.add_message(ticket=ticket, actor=request.user, kind=kind,  # type: ignore[arg-type]
                             body=form.cleaned_data["body"],
                             template=form.cleaned_data["template"])
    except DomainError as exc:
        return _refused(request, ticket, form, "message_form", exc)
    text = _("Reply sent to the requester.") if kind == "reply" else _("Internal note added.")
    return _done(request, ticket, text)


def _form_action(request: HttpRequest, pk: int, form_class: type[forms.Form], name: str,
                 act: Callable[[Ticket, Any, dict[str, Any]], str]) -> HttpResponse:
    """The shape of every form on the ticket page: validate, call a service, report back.

    `act` performs the change and returns the confirmation; a refusal re-renders the page.
    """
    ticket = _ticket(pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _page(request, ticket, status=400, **{name: form})
    try:
        text = act(ticket, request.user, dict(form.cleaned_data))
    except DomainError as exc:
        return _refused(request, ticket, form, name, exc)
    return _done(request, ticket, text)


def _stage(ticket: Ticket, actor: Any, data: dict[str, Any]) -> str:
    summary = stages.CloseSummary(root_cause=data["root_cause"], resolution=data["resolution"],
                                  lessons=data["lessons"], kb_suggestion=data["kb_suggestion"])
    ticket_workflow.change_stage(ticket=ticket, actor=actor, to=data["stage"], summary=summary,
                        waiting_reason=data["waiting_reason"],
                        waive_verification=data["waive_verification"])
    return _("Stage changed.")


def _impact(ticket: Ticket, actor: Any, data: dict[str, Any]) -> str:
    ticket_workflow.update_ticket(ticket=ticket, actor=actor, impact=impact_from(data))
    return _("Impact updated; Class of Service re-evaluated.")


def _assign(ticket: Ticket, actor: Any, data: dict[str, Any]) -> str:
    ticket_workflow.update_ticket(ticket=ticket, actor=actor, assignee=data["assignee"],
                           team=data["team"])
    return _("Assignment saved.")


def _cos(ticket: Ticket, actor: Any, data: dict[str, Any]) -> str:
    ticket_workflow.override_cos(ticket=ticket, actor=actor, cos=data["cos"], reason=data["reason"])
    return _("Class of Service set.")


def _escalate(ticket: Ticket, actor: Any, data: dict[str, Any]) -> str:
    team = data.pop("team")
    escalation_workflow.escalate(ticket=ticket, actor=actor, team=team,
                         handoff=escalations.Handoff(**data))
    return _("Escalated to %(team)s.") % {"team": team.name}


@desk_staff_required
@require_POST
def post_stage(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(request, pk, StageForm, "stage_form", _stage)


@desk_staff_required
@require_POST
def post_impact(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(request, pk, ImpactForm, "impact_form", _impact)


@desk_staff_required
@require_POST
def post_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(request, pk, AssignForm, "assign_form", _assign)


@desk_staff_required
@require_POST
def post_cos(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(request, pk, CosForm, "cos_form", _cos)


@desk_staff_required
@require_POST
def post_escalation(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(request, pk, EscalationForm, "escalation_form", _escalate)


@desk_staff_required
@require_POST
def post_response(request: HttpRequest, pk: int, escalation_id: int) -> HttpResponse:
    ticket = _ticket(pk)
    escalation = ticket.escalations.filter(pk=escalation_id).first()
    body = request.POST.get("body", "")
    if escalation is None:
        raise Http404
    try:
        escalation_workflow.record_escalation_response(
            escalation=escalation, actor=request.user, body=body)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:ticket", ticket.pk)
    return _done(request, ticket, _("Answer recorded."))


@desk_staff_required
@require_POST
def post_check(request: HttpRequest, pk: int, check_id: int) -> HttpResponse:
    ticket = _ticket(pk)
    check = ticket.checks.filter(pk=check_id).first()
    if check is None:
        raise Http404
    verification.update_check(check=check, actor=request.user,  # type: ignore[arg-type]
                              done=request.POST.get("done") == "1",
                              result=request.POST.get("result", check.result))
    return _done(request, ticket, _("Checklist updated."))
