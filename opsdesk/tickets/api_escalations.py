"""REST API for escalations (API.md): create on a ticket, list, record responses."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import InvalidInput, NotFound
from opsdesk.workflows import escalations as escalation_workflow

from . import escalations
from .api import ERRORS, team_by_name, visible_ticket
from .models import Escalation, EscalationResponse

router = Router(tags=["escalations"])


class EscalationIn(Schema):
    team: str
    impact_summary: str
    findings: str
    hypothesis: str
    workaround_status: str
    ask: str
    update_cadence_minutes: int = Field(..., ge=1, le=24 * 60)


class ResponseIn(Schema):
    body: str = Field(..., min_length=1)


class ResponseOut(Schema):
    id: int
    author_id: int
    body: str
    created_at: datetime


class EscalationOut(Schema):
    id: int
    ticket_id: int
    team: str
    impact_summary: str
    findings: str
    hypothesis: str
    workaround_status: str
    ask: str
    update_cadence_minutes: int
    status: str
    created_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None
    responses: list[ResponseOut]


def escalation_out(escalation: Escalation) -> dict[str, Any]:
    responses = [
        {"id": r.pk, "author_id": r.author_id, "body": r.body, "created_at": r.created_at}
        for r in EscalationResponse.objects.filter(escalation=escalation)
    ]
    fields = ("impact_summary", "findings", "hypothesis", "workaround_status", "ask",
              "update_cadence_minutes", "status", "created_at", "answered_at", "closed_at")
    return {"id": escalation.pk, "ticket_id": escalation.ticket_id,
            "team": escalation.team.name, "responses": responses,
            **{f: getattr(escalation, f) for f in fields}}


@router.post("/tickets/{ticket_id}/escalations", response={201: EscalationOut, **ERRORS},
             summary="Escalate a ticket to another team")
def post_escalation(request: HttpRequest, ticket_id: int, payload: EscalationIn) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    require_desk_staff(user)
    team = team_by_name(payload.team)
    if team is None:
        raise InvalidInput("An escalation needs a team.", fields={"team": "required"})
    handoff = escalations.Handoff(**payload.dict(exclude={"team"}))
    escalation = escalation_workflow.escalate(ticket=ticket, actor=user, team=team, handoff=handoff)
    return Status(201, escalation_out(escalation))


@router.get("/tickets/{ticket_id}/escalations", response={200: list[EscalationOut], **ERRORS},
            summary="A ticket's escalations")
def list_escalations(request: HttpRequest, ticket_id: int) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    require_desk_staff(user)
    return [escalation_out(e) for e in
            Escalation.objects.filter(ticket=ticket).select_related("team")]


def _visible_escalation(request: HttpRequest, escalation_id: int) -> Escalation:
    user = caller(request)
    require_desk_staff(user)
    escalation = Escalation.objects.select_related("team", "ticket").filter(
        pk=escalation_id).first()
    if escalation is None:
        raise NotFound(f"No escalation {escalation_id}.")
    return escalation


@router.post("/escalations/{escalation_id}/responses", response={201: EscalationOut, **ERRORS},
             summary="Record the other team's answer")
def post_response(request: HttpRequest, escalation_id: int, payload: ResponseIn) -> Any:
    escalation = _visible_escalation(request, escalation_id)
    escalation_workflow.record_escalation_response(escalation=escalation, actor=caller(request),
                                                   body=payload.body)
    escalation.refresh_from_db()
    return Status(201, escalation_out(escalation))


@router.post("/escalations/{escalation_id}/close", response={200: EscalationOut, **ERRORS},
             summary="Close an escalation")
def post_close(request: HttpRequest, escalation_id: int) -> Any:
    escalation = _visible_escalation(request, escalation_id)
    return escalation_out(escalations.close_escalation(escalation=escalation,
                                                       actor=caller(request)))
