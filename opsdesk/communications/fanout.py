"""The fan-out: when a ticket is classified, everyone its class concerns is told in one step."""

from django.conf import settings
from django.db.models import Count, Q

from opsdesk.accounts.models import Role, Team, User
from opsdesk.accounts.services import system_user
from opsdesk.core.config_cache import cached_config
from opsdesk.notifications.services import channels_for_team, notify, send_to_channels
from opsdesk.tickets.models import MessageKind, Ticket
from opsdesk.tickets.services import add_message, record_event

from .models import FanoutPolicy, TemplateKey
from .rendering import render


def managers_for(ticket: Ticket) -> list[User]:
    """The managers of the ticket's team, or every manager."""
    managers = User.objects.filter(role=Role.MANAGER, is_active=True)
    if ticket.team is not None and managers.filter(teams=ticket.team).exists():
        managers = managers.filter(teams=ticket.team)
    return list(managers)


def alert_team(*, team: Team, ticket: Ticket, kind: str, subject: str, body: str) -> None:
    """Tell a team: on its own channels (Teams, Slack, webhook, email), and each member in
    opsdesk, by email and on their channels."""
    send_to_channels(channels=channels_for_team(team), ticket=ticket, kind=kind, title=subject,
                     body=body)
    notify(recipients=team.members.filter(is_active=True), ticket=ticket, kind=kind,
           subject=subject, body=body)


def _sent_before(ticket: Ticket) -> tuple[bool, bool]:
    """Whether the ticket's class was announced already, and whether the desk has answered
    the requester (in one query)."""
    staff_reply = Q(kind=MessageKind.REPLY, author__role__in=[
        Role.AGENT, Role.MANAGER, Role.ENGINEER, Role.ADMIN, Role.SYSTEM])
    found = ticket.messages.aggregate(
        announced=Count("pk", filter=Q(event="fanout", data__cos=ticket.cos)),
        answered=Count("pk", filter=staff_reply))
    return bool(found["announced"]), bool(found["answered"])


def fanout_policies() -> dict[str, FanoutPolicy]:
    """The enabled fan-out policy of each class."""
    def load() -> dict[str, FanoutPolicy]:
        policies: dict[str, FanoutPolicy] = {}
        for policy in FanoutPolicy.objects.filter(enabled=True).select_related(
                "alert_team").order_by("id"):
            policies.setdefault(policy.cos, policy)
        return policies

    return cached_config("communications.fanout", load)


def has_fan_out(ticket: Ticket) -> bool:
    """Whether the ticket's class calls for telling anyone automatically."""
    return settings.OPSDESK_AUTO_NOTIFY and ticket.cos in fanout_policies()


def fan_out(*, ticket: Ticket, actor: User) -> list[str]:
    """Send what the ticket's class calls for that has not gone out yet; returns who was told."""
    if not has_fan_out(ticket):
        return []
    policy = fanout_policies()[ticket.cos]
    announced, answered = _sent_before(ticket)
    if announced:
        return []  # this class was announced already (e.g. Expedite → Priority → Expedite)
    told: list[str] = []
    if policy.send_ack and not answered:
        ack = render(key=TemplateKey.ACK, ticket=ticket)
        author = actor if actor.role == Role.SYSTEM else system_user()
        add_message(ticket=ticket, actor=author, kind=MessageKind.REPLY, body=ack.body,
                    template=TemplateKey.ACK, subject=ack.subject)
        told.append("requester (ACK)")
    if policy.notify_managers:
        notice = render(key=TemplateKey.MANAGER_NOTICE, ticket=ticket)
        notify(recipients=managers_for(ticket), ticket=ticket, kind="manager_notice",
               subject=notice.subject, body=notice.body)
        told.append("manager")
    if policy.alert_team is not None:
        alert = render(key=TemplateKey.DEV_ALERT, ticket=ticket)
        alert_team(team=policy.alert_team, ticket=ticket, kind="dev_alert",
                   subject=alert.subject, body=alert.body)
        told.append(policy.alert_team.name)
    if told:
        record_event(ticket=ticket, actor=actor, event="fanout",
                     body=f"Notified in parallel: {', '.join(told)}.",
                     data={"notified": told, "cos": ticket.cos})
    return told
