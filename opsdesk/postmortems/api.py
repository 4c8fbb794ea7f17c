"""The postmortems API (API.md): an incident's postmortem and its action items, for desk
staff only."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from opsdesk.accounts.models import User
from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import NotFound
from opsdesk.incidents.models import Incident
from opsdesk.tickets.api import ERRORS
from opsdesk.tickets.representation import output_zone

from . import services
from .downloads import postmortem_file
from .models import WRITTEN_FIELDS, ActionItem
from .queries import action_items_of, postmortem_for
from .render import action_json
from .schemas import ActionIn, ActionList, ActionOut, ActionPatch, PostmortemPatch, PostmortemQuery

router = Router(tags=["postmortems"])


def _staff(request: HttpRequest) -> User:
    user = caller(request)
    require_desk_staff(user)
    return user


def _incident(incident_id: int) -> Incident:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"No incident INC-{incident_id}.")
    return incident


@router.get("/incidents/{incident_id}/postmortem", response={200: None, **ERRORS},
            url_name="postmortem", summary="An incident's postmortem in Markdown, PDF or JSON")
def get_postmortem(request: HttpRequest, incident_id: int,
                   query: Query[PostmortemQuery]) -> HttpResponse:
    _staff(request)
    zone = output_zone(query.tz)
    view = postmortem_for(_incident(incident_id))
    return postmortem_file(view=view, file_format=query.format, zone=zone)


@router.patch("/incidents/{incident_id}/postmortem", response={200: None, **ERRORS},
              summary="Write parts of the postmortem and edit its timeline (JSON back)")
def patch_postmortem(request: HttpRequest, incident_id: int,
                     payload: PostmortemPatch) -> Any:
    user = _staff(request)
    incident = _incident(incident_id)
    sent = payload.dict(exclude_unset=True)
    words = {k: v for k, v in sent.items() if k in WRITTEN_FIELDS and v is not None}
    steps = [services.StepChange(id=step.id, changes=step.dict(exclude_unset=True,
                                                               exclude={"id"}))
             for step in payload.timeline]
    services.edit_postmortem(incident=incident, actor=user, words=words, steps=steps)
    return postmortem_file(view=postmortem_for(incident), file_format="json")


@router.get("/incidents/{incident_id}/actions", response={200: ActionList, **ERRORS},
            summary="An incident's corrective and preventive action items")
def list_actions(request: HttpRequest, incident_id: int) -> Any:
    _staff(request)
    return {"items": [action_json(a) for a in action_items_of(_incident(incident_id))]}


@router.post("/incidents/{incident_id}/actions", response={201: ActionOut, **ERRORS},
             summary="Add an action item: title, kind, owner (email or id), due date")
def post_action(request: HttpRequest, incident_id: int, payload: ActionIn) -> Any:
    user = _staff(request)
    item = services.add_action_item(incident=_incident(incident_id), actor=user,
                                    title=payload.title, kind=payload.kind,
                                    owner=str(payload.owner), due=payload.due)
    return Status(201, action_json(item))


@router.patch("/actions/{action_id}", response={200: ActionOut, **ERRORS},
              summary="Change an action item: status (open, done, dropped), owner, due …")
def patch_action(request: HttpRequest, action_id: int, payload: ActionPatch) -> Any:
    user = _staff(request)
    item = ActionItem.objects.select_related("owner").filter(pk=action_id).first()
    if item is None:
        raise NotFound(f"No action item {action_id}.")
    changes = payload.dict(exclude_unset=True)
    if "owner" in changes:
        changes["owner"] = str(changes["owner"] or "")
    item = services.change_action_item(item=item, actor=user, changes=changes)
    return action_json(item)

