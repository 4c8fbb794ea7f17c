"""The fan-out: when a ticket is classified, everyone its class concerns is told in one step."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Q

from opsdesk.accounts.models import Role, Team, User
from opsdesk.accounts.services import system_user
from opsdesk.core.config_cache import cached_config
from opsdesk.notifications.models import Channel
from opsdesk.notifications.services import Notices, channels_for_team, managers_for
from opsdesk.sla.models import SlaClock
from opsdesk.tickets.models import Message, MessageKind, Ticket
from opsdesk.tickets.services import MessageDraft, event_message

from .models import FanoutPolicy, TemplateKey
from .rendering import Rendered, render_many

T = TypeVar("T")


class Recipients:
    """Who fan-outs tell — managers, team members, channels — each read once and kept for
    the tickets told together (a job of seconds; a change made meanwhile reaches the next)."""

    def __init__(self) -> None:
        self._read: dict[tuple[Any, ...], Any] = {}

    def _once(self, key: tuple[Any, ...], read: Callable[[], T]) -> T:
        if key not in self._read:
            self._read[key] = read()
        found: T = self._read[key]
        return found

    def managers(self, ticket: Ticket) -> list[User]:
        """The managers of the ticket's team, or every manager."""
        return self._once(("managers", ticket.team_id), lambda: managers_for(ticket))

    def members(self, team: Team) -> list[User]:
        """The team's active members."""
        return self._once(("members", team.pk),
                          lambda: list(team.members.filter(is_active=True)))

    def team_channels(self, team: Team) -> list[Channel]:
        """The team's enabled channels."""
        return self._once(("team_channels", team.pk), lambda: list(channels_for_team(team)))

    def own_channels(self, people: Sequence[User]) -> list[Channel]:
        """The enabled channels of these people."""
        return self._once(("own_channels", *sorted(p.pk for p in people)), lambda: list(
            Channel.objects.filter(user__in=people, enabled=True)))

    def system_user(self) -> User:
        """The identity the system acts as."""
        return self._once(("system",), system_user)


def alert_team(*, team: Team, ticket: Ticket, kind: str, subject: str, body: str,
               recipients: Recipients | None = None, notices: Notices | None = None,
               at: datetime | None = None) -> None:
    """Tell a team: on its own channels (Teams, Slack, webhook, email), and each member in
    opsdesk, by email and on their channels (recorded with `notices`, if given, or `at`:
    now if None)."""
    recipients = recipients or Recipients()
    collected = notices if notices is not None else Notices(at=at)
    collected.to_channels(channels=recipients.team_channels(team), ticket=ticket, kind=kind,
                          title=subject, body=body)
    members = recipients.members(team)
    collected.notify(recipients=members, ticket=ticket, kind=kind, subject=subject, body=body,
                     own_channels=recipients.own_channels(members))
    if notices is None:
        collected.record()


def _sent_before(tickets: Iterable[Ticket]) -> dict[int, tuple[bool, bool]]:
    """For each ticket, whether its class was announced already and whether the desk has
    answered the requester (one query for all)."""
    by_pk = {t.pk: t for t in tickets}
    staff_reply = Q(kind=MessageKind.REPLY, author__role__in=[
        Role.AGENT, Role.MANAGER, Role.ENGINEER, Role.ADMIN, Role.SYSTEM])
    sent = dict.fromkeys(by_pk, (False, False))
    rows = Message.objects.filter(Q(event="fanout") | staff_reply, ticket__in=list(by_pk)) \
        .values_list("ticket_id", "event", "data__cos").distinct()
    for ticket_id, event, cos in rows:
        announced, answered = sent[ticket_id]
        if event == "fanout":
            sent[ticket_id] = (announced or cos == by_pk[ticket_id].cos, answered)
        else:
            sent[ticket_id] = (announced, True)
    return sent


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


def fan_out(*, ticket: Ticket, actor: User, at: datetime | None = None) -> list[str]:
    """Send what the ticket's class calls for that has not gone out yet; returns who was told.
    `at`: when, now if None."""
    return fan_out_tickets(tickets=[ticket], actor=actor, at=at).get(ticket.pk, [])


def fan_out_tickets(*, tickets: Sequence[Ticket], actor: User, locked: bool = False,
                    clocks: Mapping[int, Sequence[SlaClock]] | None = None,
                    at: datetime | None = None) -> dict[int, list[str]]:
    """`fan_out` for tickets told together, reading what they share once and writing their
    ACKs and events together; `locked`: the caller holds their row locks already;
    `clocks`: each ticket's SLA clocks, if the caller read them; `at`: now if None."""
    due = [ticket for ticket in tickets if has_fan_out(ticket)]
    sent = _sent_before(due)
    tellings = [_Telling.of(ticket, answered=sent[ticket.pk][1],
                            clocks=clocks.get(ticket.pk, ()) if clocks is not None else None,
                            at=at)
                for ticket in due if not sent[ticket.pk][0]]  # not announced already
    recipients = Recipients()
    from opsdesk.workflows.messages import add_messages  # a workflow step, and its caller

    acks = [telling.ack_draft() for telling in tellings if telling.sends_ack]
    if acks:
        author = actor if actor.role == Role.SYSTEM else recipients.system_user()
        add_messages(actor=author, kind=MessageKind.REPLY, drafts=acks, locked=locked, at=at)
    notices = Notices(at=at)
    told = {telling.ticket.pk: telling.tell(recipients, notices) for telling in tellings}
    notices.record()
    Message.objects.bulk_create(
        event_message(ticket=telling.ticket, actor=actor, event="fanout",
                      body=f"Notified in parallel: {', '.join(told[telling.ticket.pk])}.",
                      data={"notified": told[telling.ticket.pk], "cos": telling.ticket.cos},
                      at=at)
        for telling in tellings if told[telling.ticket.pk])
    return told


@dataclass(frozen=True)
class _Telling:
    """What one ticket's fan-out sends, rendered as the ticket was classified."""

    ticket: Ticket
    policy: FanoutPolicy
    sends_ack: bool
    rendered: dict[str, Rendered]

    @classmethod
    def of(cls, ticket: Ticket, *, answered: bool, clocks: Sequence[SlaClock] | None,
           at: datetime | None) -> "_Telling":
        policy = fanout_policies()[ticket.cos]
        sends_ack = policy.send_ack and not answered
        rendered = render_many(ticket=ticket, clocks=clocks, at=at, keys=[
            key for key, wanted in ((TemplateKey.ACK, sends_ack),
                                    (TemplateKey.MANAGER_NOTICE, policy.notify_managers),
                                    (TemplateKey.DEV_ALERT, policy.alert_team is not None))
            if wanted])
        return cls(ticket, policy, sends_ack, rendered)

    def ack_draft(self) -> MessageDraft:
        ack = self.rendered[TemplateKey.ACK]
        return MessageDraft(ticket=self.ticket, body=ack.body, template=TemplateKey.ACK,
                            subject=ack.subject)

    def tell(self, recipients: Recipients, notices: Notices) -> list[str]:
        """Tell managers and the team (the ACK is added, and `notices` recorded, for all
        the tickets at once)."""
        ticket, policy = self.ticket, self.policy
        told = ["requester (ACK)"] if self.sends_ack else []
        if policy.notify_managers:
            notice = self.rendered[TemplateKey.MANAGER_NOTICE]
            managers = recipients.managers(ticket)
            notices.notify(recipients=managers, ticket=ticket, kind="manager_notice",
                           subject=notice.subject, body=notice.body,
                           own_channels=recipients.own_channels(managers))
            told.append("manager")
        if policy.alert_team is not None:
            alert = self.rendered[TemplateKey.DEV_ALERT]
            alert_team(team=policy.alert_team, ticket=ticket, kind="dev_alert",
                       subject=alert.subject, body=alert.body, recipients=recipients,
                       notices=notices)
            told.append(policy.alert_team.name)
        return told
