"""Notify desk staff and channels: record what must be said now, deliver it after commit."""

from collections.abc import Iterable

from django.db.models import QuerySet

from opsdesk.accounts.models import Role, Team, User
from opsdesk.core.jobs import after_commit
from opsdesk.tickets.models import Cos, Ticket

from .channels import TicketSummary
from .models import Channel, ChannelDelivery, DeliveryStatus, Notification


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
        people += managers_for(ticket)
    return list({p.pk: p for p in people}.values())


def managers_for(ticket: Ticket) -> list[User]:
    """The managers of the ticket's team, or every manager."""
    managers = User.objects.filter(role=Role.MANAGER, is_active=True)
    if ticket.team is not None and managers.filter(teams=ticket.team).exists():
        managers = managers.filter(teams=ticket.team)
    return list(managers)


def notify(
    *, recipients: Iterable[User], ticket: Ticket | None, kind: str, subject: str, body: str,
    own_channels: Iterable[Channel] | None = None,
) -> list[Notification]:
    """Record a notification per recipient and deliver each by email once committed;
    each recipient's own enabled channels get it too (`own_channels`, if read already)."""
    from .tasks import deliver_notification_email

    recipients = list(recipients)
    created = Notification.objects.bulk_create(
        Notification(recipient=r, ticket=ticket, kind=kind, subject=subject, body=body)
        for r in recipients
    )
    for notification in created:
        after_commit(deliver_notification_email, notification_id=notification.pk,
                     handing_over=notification)
    if own_channels is None:
        own_channels = Channel.objects.filter(user__in=recipients, enabled=True)
    send_to_channels(channels=own_channels, ticket=ticket, kind=kind, title=subject, body=body)
    return created


def channels_for_team(team: Team) -> QuerySet[Channel]:
    """The team's enabled channels (its Teams or Slack channel, its list address, …)."""
    return Channel.objects.filter(team=team, enabled=True)


def channels_for_user(user: User) -> QuerySet[Channel]:
    """The person's own enabled channels."""
    return Channel.objects.filter(user=user, enabled=True)


def ticket_summary(ticket: Ticket) -> TicketSummary:
    """What a channel is told about a ticket (no requester, no description)."""
    return {"id": ticket.pk, "ref": ticket.ref, "title": ticket.title, "cos": ticket.cos,
            "stage": ticket.stage}


def send_to_channels(
    *, channels: Iterable[Channel], ticket: Ticket | None, kind: str, title: str, body: str
) -> list[ChannelDelivery]:
    """Record a pending delivery per enabled channel and send each once committed."""
    payload = {"ticket": ticket_summary(ticket)} if ticket is not None else {}
    created = ChannelDelivery.objects.bulk_create(
        ChannelDelivery(channel=channel, ticket=ticket, kind=kind, title=title[:300], body=body,
                        payload=payload)
        for channel in channels if channel.enabled
    )
    for delivery in created:
        _enqueue_on_commit(delivery)
    return created


def send_again(*, delivery: ChannelDelivery) -> ChannelDelivery:
    """Give a failed delivery a fresh set of attempts (an admin's "send again")."""
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    _enqueue_on_commit(delivery)
    return delivery


def _enqueue_on_commit(delivery: ChannelDelivery) -> None:
    from .tasks import deliver_to_channel

    after_commit(deliver_to_channel, delivery_id=delivery.pk)
