"""Run the login-recovery playbook on new login / account tickets, from the worker.

On `ticket_created`, a ticket whose text says it is one person's sign-in or account problem
gets the playbook queued once the ticket is committed, unless OPSDESK_LOGIN_RECOVERY_AUTO is
False or no enabled HR and LMS connectors are configured (then people handle it as usual).
"""

from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction

from opsdesk.connectors.models import ConnectorConfig, ConnectorKind
from opsdesk.tickets import signals
from opsdesk.tickets.signals import NewTicket

from .login_recovery import LoginRecovery


def auto_enabled() -> bool:
    return bool(getattr(settings, "OPSDESK_LOGIN_RECOVERY_AUTO", True))


def connectors_ready() -> bool:
    kinds = set(ConnectorConfig.objects.filter(enabled=True).values_list("kind", flat=True))
    return {ConnectorKind.HR, ConnectorKind.LMS} <= kinds


def _created(sender: Any, created: list[NewTicket], **kwargs: Any) -> None:
    playbook = LoginRecovery()
    ticket_ids = [new.ticket.pk for new in created if playbook.applies_to(new.ticket)]
    if not ticket_ids or not auto_enabled() or not connectors_ready():
        return
    from .tasks import run_playbook_task

    for ticket_id in ticket_ids:
        transaction.on_commit(partial(run_playbook_task.enqueue, name=LoginRecovery.name,
                                      ticket_id=ticket_id, trigger="ticket_created"))


def connect() -> None:
    signals.tickets_created.connect(_created, dispatch_uid="playbooks.login_recovery")
