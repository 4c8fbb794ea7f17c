"""Notify desk staff: record the notification now, deliver it by email after commit."""

from collections.abc import Iterable
from functools import partial

from django.db import transaction

from opsdesk.accounts.models import Role, User
from opsdesk.tickets.models import Cos, Ticket

from .models import Notification


def people_to_alert(ticket: Ticket) -> list[User]:
    """The assignee, or the ticket's team when unassigned (all agents without a team);
    for Expedite the managers too (the team's, or every manager)."""
    if ticket.assignee is not None:
        people = [ticket.assignee]
    elif ticket.team is not None:
        people = list(ticket.team.members.filter(is_active=True))
    else:
        people = list(User.objects.filter(role=Role.AGENT, is_active=True))
    if ticket.cos == Cos.EXPEDITE:
        managers = User.objects.filter(role=Role.MANAGER, is_active=True)
        if ticket.team is not None and managers.filter(teams=ticket.team).exists():
            managers = managers.filter(teams=ticket.team)
        people += list(managers)
    return list({p.pk: p for p in people}.values())


def notify(
    *, recipients: Iterable[User], ticket: Ticket | None, kind: str, subject: str, body: str
) -> list[Notification]:
    """Record a notification per recipient and deliver each by email once committed."""
    from .tasks import deliver_notification_email

    created = Notification.objects.bulk_create(
        Notification(recipient=r, ticket=ticket, kind=kind, subject=subject, body=body)
        for r in recipients
    )
    for notification in created:
        transaction.on_commit(partial(deliver_notification_email.enqueue,
                                      notification_id=notification.pk))
    return created

