"""REST API: templates (list, edit, preview on a ticket) and ratings."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from opsdesk.accounts.models import Role
from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import Forbidden, InvalidInput, NotFound
from opsdesk.tickets.api import ERRORS, visible_ticket

from . import ratings
from .models import MessageTemplate
from .rendering import render

router = Router(tags=["communications"])


class TemplateOut(Schema):
    id: int
    key: str
    language: str
    cos: str | None
    subject: str
    body: str
    enabled: bool


class TemplatePatch(Schema):
    subject: str | None = Field(None, min_length=1, max_length=300)
    body: str | None = Field(None, min_length=1)
    enabled: bool | None = None


class PreviewOut(Schema):
    key: str
    language: str
    subject: str
    body: str


class RatingIn(Schema):
    score: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=5000)


class RatingOut(Schema):
    ticket_id: int
    score: int
    comment: str


def template_out(t: MessageTemplate) -> dict[str, Any]:
    return {"id": t.pk, "key": t.key, "language": t.language, "cos": t.cos or None,
            "subject": t.subject, "body": t.body, "enabled": t.enabled}


@router.get("/templates", response={200: list[TemplateOut], **ERRORS}, summary="Templates")
def list_templates(request: HttpRequest, key: str | None = None,
                   language: str | None = None) -> Any:
    require_desk_staff(caller(request))
    templates = MessageTemplate.objects.all()
    if key:
        templates = templates.filter(key=key)
    if language:
        templates = templates.filter(language=language)
    return [template_out(t) for t in templates]


@router.patch("/templates/{template_id}", response={200: TemplateOut, **ERRORS},
              summary="Edit a template (managers and admins)")
def patch_template(request: HttpRequest, template_id: int, payload: TemplatePatch) -> Any:
    if caller(request).role not in (Role.MANAGER, Role.ADMIN):
        raise Forbidden("Only managers and admins edit templates.")
    template = MessageTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound(f"No template {template_id}.")
    for name, value in payload.dict(exclude_unset=True).items():
        if value is not None:
            setattr(template, name, value)
    try:
        template.full_clean()
    except ValidationError as exc:
        raise InvalidInput("The template is not valid.",
                           fields={k: " ".join(v) for k, v in exc.message_dict.items()}) from exc
    template.updated_at = timezone.now()
    template.save()
    return template_out(template)


@router.get("/tickets/{ticket_id}/templates/{key}", response={200: PreviewOut, **ERRORS},
            summary="A template filled in for this ticket (the composer starts from it)")
def preview(request: HttpRequest, ticket_id: int, key: str, language: str | None = None) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    require_desk_staff(user)
    rendered = render(key=key, ticket=ticket, language=language, agent=user)
    return {"key": rendered.key, "language": rendered.language, "subject": rendered.subject,
            "body": rendered.body}


@router.post("/tickets/{ticket_id}/rating", response={201: RatingOut, **ERRORS},
             summary="Rate a resolved ticket (its requester)")
def post_rating(request: HttpRequest, ticket_id: int, payload: RatingIn) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    if ticket.requester_id != user.pk:
        raise Forbidden("Only the requester rates a ticket.")
    rating = ratings.rate(ticket=ticket, score=payload.score, comment=payload.comment)
    return Status(201, {"ticket_id": ticket.pk, "score": rating.score, "comment": rating.comment})
