"""Background jobs of playbooks: run one on a ticket from the worker."""

import logging

from django_tasks import task

from opsdesk.tickets.models import Ticket

from .runner import run_playbook

logger = logging.getLogger("opsdesk.playbooks")


@task()
def run_playbook_task(name: str, ticket_id: int, trigger: str = "ticket_created",
                      parent_id: int | None = None) -> str:
    """Run the playbook on the ticket as the system; returns what it came to. `parent_id`:
    the automation run (a rule's) that asked for it."""
    from opsdesk.automation.models import AutomationRun

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return "skipped: no such ticket"
    parent = AutomationRun.objects.filter(pk=parent_id).first() if parent_id else None
    run = run_playbook(name, ticket=ticket, trigger=trigger, parent=parent)
    logger.info("playbook %s on ticket %s: %s (run %s)", name, ticket_id,
                run.result.get("outcome", run.outcome), run.pk)
    return str(run.result.get("outcome", run.outcome))
