"""Which new tickets a playbook starts on by itself: login recovery, from the worker.

A ticket whose text says it is one person's sign-in or account problem gets the playbook
queued once the ticket is committed, unless OPSDESK_LOGIN_RECOVERY_AUTO is False or no
enabled HR and LMS connectors are configured (then people handle it as usual).
"""

from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.db import transaction

from opsdesk.connectors.models import ConnectorConfig, ConnectorKind
from opsdesk.tickets.models import Ticket

from .detection import detect_ticket
from .login_recovery import LoginRecovery


def auto_enabled() -> bool:
    return bool(getattr(settings, "OPSDESK_LOGIN_RECOVERY_AUTO", True))


def connectors_ready() -> bool:
    kinds = set(ConnectorConfig.objects.filter(enabled=True).values_list("kind", flat=True))
    return {ConnectorKind.HR, ConnectorKind.LMS} <= kinds


def queue_login_recovery(*, tickets: Sequence[Ticket]) -> None:
    """Run login recovery from the worker on the new tickets it applies to."""
    from .tasks import run_playbook_task

    ticket_ids = [ticket.pk for ticket in tickets if detect_ticket(ticket).login]
    if not ticket_ids or not auto_enabled() or not connectors_ready():
        return
    for ticket_id in ticket_ids:
        transaction.on_commit(partial(run_playbook_task.enqueue, name=LoginRecovery.name,
                                      ticket_id=ticket_id, trigger="ticket_created"))
