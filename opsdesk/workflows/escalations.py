"""A ticket is escalated to another team, and that team answers."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import Team, User
from opsdesk.communications.escalation_mail import send_escalation
from opsdesk.sla import services as sla
from opsdesk.tickets import escalations
from opsdesk.tickets.escalations import Handoff
from opsdesk.tickets.models import Escalation, EscalationResponse, Ticket


def escalate(*, ticket: Ticket, actor: User, team: Team, handoff: Handoff,
             at: datetime | None = None) -> Escalation:
    """Hand a ticket to a team with what it needs (impact, findings, hypothesis, workaround,
    the ask, the update cadence): recorded, the escalation clock met, sent to the team.
    `at`: when it happened, now if None."""
    at = at or timezone.now()
    with transaction.atomic():
        escalation = escalations.create_escalation(ticket=ticket, actor=actor, team=team,
                                                   handoff=handoff, at=at)
        sla.on_escalated(ticket=escalation.ticket, at=at)
        send_escalation(escalation=escalation)  # its channels and email, once committed
    return escalation


def record_escalation_response(*, escalation: Escalation, actor: User, body: str,
                               at: datetime | None = None) -> EscalationResponse:
    """The team answered: the answer goes on the escalation and the ticket's timeline;
    `at`: when it happened, now if None."""
    at = at or timezone.now()
    with transaction.atomic():
        return escalations.store_response(escalation=escalation, actor=actor, body=body, at=at)
