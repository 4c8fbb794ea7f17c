"""The ticket page's automation buttons: run a playbook, rehearse it, retry a failed run.

Thin POSTs calling the same functions as the API (POST /api/v1/playbooks/{name}/run and
/api/v1/automation-runs/{id}/retry), for the same people: desk staff.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opsdesk.automation.models import AutomationRun
from opsdesk.core.errors import DomainError
from opsdesk.playbooks.runner import playbook_named, retry_run, run_playbook
from opsdesk.tickets.models import Ticket

from .access import desk_staff_required
from .automation_forms import PlaybookRunForm
from .templatetags.automation import result_label


def _back(ticket_id: int) -> HttpResponse:
    response = redirect("web:ticket", ticket_id)
    response["Location"] += "#runs-h"
    return response


def _said(run: AutomationRun) -> str:
    """What a playbook run came to, in a sentence for the flash message."""
    outcome = result_label(run)
    if run.dry_run:
        return _("Dry run: the playbook would end “%(outcome)s”. Nothing was changed; its "
                 "steps are below.") % {"outcome": outcome}
    return _("The playbook ended “%(outcome)s”; its steps are below.") % {"outcome": outcome}


@desk_staff_required
@require_POST
def post_playbook(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = Ticket.objects.filter(pk=pk).first()
    if ticket is None:
        raise Http404
    form = PlaybookRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a playbook to run."))
        return _back(ticket.pk)
    try:
        playbook = playbook_named(form.cleaned_data["playbook"])
        run = run_playbook(playbook.name, ticket=ticket, actor=request.user,  # type: ignore[arg-type]
                           dry_run=form.cleaned_data["mode"] == "dry_run", trigger="manual")
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(ticket.pk)
    (messages.error if run.outcome == "failed" else messages.success)(request, _said(run))
    return _back(ticket.pk)


@desk_staff_required
@require_POST
def post_retry(request: HttpRequest, pk: int, run_id: int) -> HttpResponse:
    run = AutomationRun.objects.filter(pk=run_id, ticket_id=pk).first()
    if run is None:
        raise Http404
    try:
        run = retry_run(run, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(pk)
    (messages.error if run.outcome == "failed" else messages.success)(request, _said(run))
    return _back(pk)
