"""Background jobs of playbooks: run one on a ticket from the worker."""

import logging
from typing import TYPE_CHECKING

from django_tasks import TaskContext, task

from opsdesk.core.errors import Conflict
from opsdesk.tickets.models import Ticket

from .runner import KIND, retry_run, retryable, run_playbook

if TYPE_CHECKING:
    from opsdesk.automation.models import AutomationRun

logger = logging.getLogger("opsdesk.playbooks")


@task(takes_context=True)
def run_playbook_task(context: TaskContext, name: str, ticket_id: int,
                      trigger: str = "ticket_created", parent_id: int | None = None) -> str:
    """Run the playbook on the ticket as the system; returns what it came to. `parent_id`:
    the automation run (a rule's) that asked for it. Run again after its worker died, the
    job retries at once the run it started (same run, same keys for outside calls): that
    run's attempt was cut short."""
    from opsdesk.automation.models import AutomationRun, RunOutcome

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return "skipped: no such ticket"
    job_id = str(context.task_result.id)
    run = AutomationRun.objects.filter(ticket=ticket, kind=KIND, job_id=job_id).first()
    if run is None:
        parent = AutomationRun.objects.filter(pk=parent_id).first() if parent_id else None
        run = run_playbook(name, ticket=ticket, trigger=trigger, parent=parent, job_id=job_id)
    elif run.outcome == RunOutcome.RUNNING and retryable(_cut_short(run)):
        try:
            run = retry_run(run)
        except Conflict:  # someone is retrying it by hand right now
            run.refresh_from_db()
    logger.info("playbook %s on ticket %s: %s (run %s)", name, ticket_id,
                run.result.get("outcome", run.outcome), run.pk)
    return str(run.result.get("outcome", run.outcome))


def _cut_short(run: "AutomationRun") -> "AutomationRun":
    """The run of an earlier run of this job, still running: its worker died during it, so
    the attempt failed (retryable now, not only once it looks stale)."""
    from opsdesk.automation.models import AutomationRun, RunOutcome

    AutomationRun.objects.filter(pk=run.pk, outcome=RunOutcome.RUNNING).update(
        outcome=RunOutcome.FAILED, error="The worker running it stopped during the attempt.")
    run.refresh_from_db()
    return run
