"""REST API of playbooks: run one on a ticket (or rehearse it), retry a failed run.

    POST /api/v1/playbooks/{name}/run        {"ticket_id": 42, "dry_run": true} → the run
    POST /api/v1/automation-runs/{id}/retry  → the run, after its new attempt
    GET  /api/v1/playbooks                   → the playbooks there are
    GET  /api/v1/automation/metrics?from=2026-11-01&to=2026-11-30 → runs, rate, time saved

Desk staff only. The run answers with its steps, as GET /api/v1/automation-runs/{id}.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from opsdesk.automation.api import run_out
from opsdesk.automation.models import AutomationRun
from opsdesk.automation.schemas import RunOut
from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import NotFound
from opsdesk.tickets.api import ERRORS
from opsdesk.tickets.models import Ticket

from .catalog import PLAYBOOKS
from .metrics import automation_metrics, period
from .runner import playbook_named, retry_run, run_playbook

router = Router(tags=["playbooks"])


class PlaybookRunIn(Schema):
    ticket_id: int
    dry_run: bool = Field(False, description="Decide and record every step, change nothing.")


class MetricsOut(Schema):
    from_: datetime | None = Field(None, alias="from")
    to: datetime | None
    runs: dict[str, dict[str, int]] = Field(..., description="Real runs by kind, then outcome.")
    playbook_results: dict[str, dict[str, int]] = Field(
        ..., description="Playbook runs by playbook, then what they came to (resolved, …).")
    login_recovery_tickets: int = Field(..., description="Tickets the playbook worked.")
    auto_resolved_tickets: int = Field(..., description="Of those, resolved with no person.")
    auto_resolution_rate: float | None = Field(..., description="0–1; null without tickets.")
    fixed_runs: int
    minutes_per_fix: dict[str, int]
    minutes_saved: int


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


@router.get("/automation/metrics", response={200: MetricsOut, **ERRORS}, by_alias=True,
            summary="Automation metrics: runs per outcome, login-recovery auto-resolution "
            "rate, time saved (from/to: dates, `to` inclusive, or date-times)")
def metrics(request: HttpRequest, from_: str | None = Query(None, alias="from"),
            to: str | None = None) -> Any:
    require_desk_staff(caller(request))
    since, until = period(start=from_, end=to)
    return automation_metrics(since=since, until=until).as_dict()
