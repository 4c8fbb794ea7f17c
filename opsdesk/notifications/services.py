"""Notify desk staff and channels: record what must be said now, deliver it after commit."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

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
    own_channels: Iterable[Channel] | None = None, at: datetime | None = None,
) -> list[Notification]:
    """Record a notification per recipient and deliver each by email once committed;
    each recipient's own enabled channels get it too (`own_channels`, if read already);
    `at`: when it is said, now if None."""
    notices = Notices(at=at)
    notices.notify(recipients=recipients, ticket=ticket, kind=kind, subject=subject, body=body,
                   own_channels=own_channels)
    return notices.record()[0]


class Notices:
    """The notifications and channel deliveries of one step, recorded together when it is
    done (an insert of each, however many tickets it told) and each delivered once
    committed; `at`: when they are said, now if None."""

    def __init__(self, *, at: datetime | None = None) -> None:
        self.at = at or timezone.now()
        self.notifications: list[Notification] = []
        self.deliveries: list[ChannelDelivery] = []

    def notify(self, *, recipients: Iterable[User], ticket: Ticket | None, kind: str,
               subject: str, body: str, own_channels: Iterable[Channel] | None = None) -> None:
        """As `notify`, recorded with the rest."""
        recipients = list(recipients)
        self.notifications += [Notification(recipient=r, ticket=ticket, kind=kind,
                                             subject=subject, body=body, created_at=self.at)
                               for r in recipients]
        if own_channels is None:
            own_channels = Channel.objects.filter(user__in=recipients, enabled=True)
        self.to_channels(channels=own_channels, ticket=ticket, kind=kind, title=subject,
                         body=body)

    def to_channels(self, *, channels: Iterable[Channel], ticket: Ticket | None, kind: str,
                    title: str, body: str) -> None:
        """As `send_to_channels`, recorded with the rest."""
        payload = {"ticket": ticket_summary(ticket)} if ticket is not None else {}
        self.deliveries += [
            ChannelDelivery(channel=channel, ticket=ticket, kind=kind, title=title[:300],
                            body=body, payload=payload, created_at=self.at)
            for channel in channels if channel.enabled]

    def record(self) -> tuple[list[Notification], list[ChannelDelivery]]:
        """Store what was collected and deliver it once committed."""
        from .tasks import deliver_notification_email

        notifications = Notification.objects.bulk_create(self.notifications)
        for notification in notifications:
            after_commit(deliver_notification_email, notification_id=notification.pk,
                         handing_over=notification)
        deliveries = ChannelDelivery.objects.bulk_create(self.deliveries)
        for delivery in deliveries:
            _enqueue_on_commit(delivery)
        self.notifications, self.deliveries = [], []
        return notifications, deliveries


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
    notices = Notices()
    notices.to_channels(channels=channels, ticket=ticket, kind=kind, title=title, body=body)
    return notices.record()[1]


def send_again(*, delivery: ChannelDelivery) -> ChannelDelivery:
    """Give a failed delivery a fresh set of attempts (an admin's "send again")."""
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    _enqueue_on_commit(delivery)
    return delivery


def _enqueue_on_commit(delivery: ChannelDelivery) -> None:
    from .tasks import deliver_to_channel

    after_commit(deliver_to_channel, delivery_id=delivery.pk)
