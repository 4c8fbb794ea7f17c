"""REST API of playbooks: run one on a ticket (or rehearse it), retry a failed run.

    POST /api/v1/playbooks/{name}/run        {"ticket_id": 42, "dry_run": true} → the run
    POST /api/v1/automation-runs/{id}/retry  → the run, after its new attempt
    GET  /api/v1/playbooks                   → the playbooks there are

Desk staff only. The run answers with its steps, as GET /api/v1/automation-runs/{id}.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from opsdesk.automation.api import run_out
from opsdesk.automation.models import AutomationRun
from opsdesk.automation.schemas import RunOut
from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import NotFound
from opsdesk.tickets.api import ERRORS
from opsdesk.tickets.models import Ticket

from . import login_recovery  # noqa: F401 - registers the playbook
from .runner import PLAYBOOKS, playbook_named, retry_run, run_playbook

router = Router(tags=["playbooks"])


class PlaybookRunIn(Schema):
    ticket_id: int
    dry_run: bool = Field(False, description="Decide and record every step, change nothing.")


class PlaybookOut(Schema):
    name: str
    title: str
    description: str


@router.get("/playbooks", response={200: list[PlaybookOut], **ERRORS}, summary="Playbooks")
def list_playbooks(request: HttpRequest) -> Any:
    require_desk_staff(caller(request))
    return [{"name": p.name, "title": p.title, "description": p.description}
            for p in sorted(PLAYBOOKS.values(), key=lambda p: p.name)]


@router.post("/playbooks/{name}/run", response={200: RunOut, **ERRORS},
             summary="Run a playbook on a ticket now (or a dry run of it); the run and its steps")
def run(request: HttpRequest, name: str, payload: PlaybookRunIn) -> Any:
    user = caller(request)
    require_desk_staff(user)
    playbook = playbook_named(name)
    ticket = Ticket.objects.filter(pk=payload.ticket_id).first()
    if ticket is None:
        raise NotFound(f"No ticket {payload.ticket_id}.")
    done = run_playbook(playbook.name, ticket=ticket, actor=user, dry_run=payload.dry_run,
                        trigger="manual")
    return run_out(done)


@router.post("/automation-runs/{int:run_id}/retry", response={200: RunOut, **ERRORS},
             summary="Retry a failed playbook run (same run, same idempotency keys)")
def retry(request: HttpRequest, run_id: int) -> Any:
    user = caller(request)
    require_desk_staff(user)
    found = AutomationRun.objects.filter(pk=run_id).first()
    if found is None:
        raise NotFound(f"No automation run {run_id}.")
    return run_out(retry_run(found, actor=user))
