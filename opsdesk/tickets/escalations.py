"""Escalations: hand a ticket to another team with the context it needs, record the answer."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import Team, User
from opsdesk.core.errors import Conflict, Forbidden, InvalidInput

from .models import Escalation, EscalationResponse, EscalationStatus, Ticket
from .services import lock_ticket, record_event, touch_ticket


@dataclass(frozen=True)
class Handoff:
    """What an escalation must say (API.md); every field is required."""

    impact_summary: str
    findings: str
    hypothesis: str
    workaround_status: str
    ask: str
    update_cadence_minutes: int


def create_escalation(*, ticket: Ticket, actor: User, team: Team, handoff: Handoff,
                      at: datetime) -> Escalation:
    """Store an escalation of a ticket to a team, made `at`, and record it on the timeline
    (a step of `workflows.escalations.escalate`)."""
    if not actor.is_desk_staff:
        raise Forbidden("Only desk staff can escalate.")
    missing = {k: "required" for k, v in vars(handoff).items()
               if isinstance(v, str) and not v.strip()}
    if missing:
        raise InvalidInput("An escalation needs every field filled in.", fields=missing)
    if handoff.update_cadence_minutes < 1:
        raise InvalidInput("The update cadence is at least one minute.",
                           fields={"update_cadence_minutes": "at least 1"})
    with transaction.atomic():
        ticket = lock_ticket(ticket=ticket, version=None)
        escalation = Escalation.objects.create(ticket=ticket, team=team, created_by=actor,
                                               created_at=at, **vars(handoff))
        record_event(
            ticket=ticket, actor=actor, event="escalated",
            body=f"Escalated to {team.name}: {handoff.impact_summary}. Ask: {handoff.ask}.",
            data={"escalation_id": escalation.pk, **vars(handoff)}, at=at,
        )
        touch_ticket(ticket, at=at)
    return escalation


def store_response(*, escalation: Escalation, actor: User, body: str,
                   at: datetime) -> EscalationResponse:
    """Store the other team's answer, given `at`, on the escalation and the ticket's
    timeline (a step of `workflows.escalations.record_escalation_response`)."""
    if not actor.is_desk_staff:
        raise Forbidden("Only desk staff can answer an escalation.")
    if not body.strip():
        raise InvalidInput("A response needs a body.", fields={"body": "required"})
    if escalation.status == EscalationStatus.CLOSED:
        raise Conflict("This escalation is closed.", fields={"escalation": "closed"})
    with transaction.atomic():
        ticket = lock_ticket(ticket=escalation.ticket, version=None)
        response = EscalationResponse.objects.create(escalation=escalation, author=actor,
                                                     body=body, created_at=at)
        if escalation.answered_at is None:
            escalation.answered_at = response.created_at
        escalation.status = EscalationStatus.ANSWERED
        escalation.save(update_fields=["status", "answered_at"])
        record_event(
            ticket=ticket, actor=actor, event="escalation_answered",
            body=f"{escalation.team.name} answered: {body}",
            data={"escalation_id": escalation.pk, "response_id": response.pk}, at=at,
        )
        touch_ticket(ticket, at=at)
    return response


def close_escalation(*, escalation: Escalation, actor: User) -> Escalation:
    """Close an escalation once its team's part is done."""
    if not actor.is_desk_staff:
        raise Forbidden("Only desk staff can close an escalation.")
    if escalation.status != EscalationStatus.CLOSED:
        escalation.status = EscalationStatus.CLOSED
        escalation.closed_at = timezone.now()
        escalation.save(update_fields=["status", "closed_at"])
    return escalation


def escalation_times(ticket: Ticket) -> tuple[datetime | None, datetime | None]:
    """When the ticket was first escalated and when that escalation was first answered."""
    first = Escalation.objects.filter(ticket=ticket).order_by("created_at", "id").first()
    if first is None:
        return None, None
    return first.created_at, first.answered_at
