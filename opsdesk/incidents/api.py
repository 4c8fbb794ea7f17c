"""The incidents API (API.md "Incidents and status"): staff only."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from opsdesk.accounts.models import User
from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import InvalidInput, NotFound
from opsdesk.core.pagination import decode_cursor, encode_cursor, page_size
from opsdesk.tickets.api import ERRORS
from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import UNSET
from opsdesk.workflows import incidents as workflow

from .models import ACTIVE_STATUSES, Incident, IncidentEvent, IncidentStatus
from .representation import incident_out, update_out, with_relations
from .schemas import (
    EventOut,
    IncidentCreate,
    IncidentOut,
    IncidentPage,
    IncidentPatch,
    LinkIn,
    ResolveIn,
    UpdateIn,
    UpdateOut,
)

router = Router(tags=["incidents"])


class ListQuery(Schema):
    status: str | None = None  # a status, several with commas, or "active"
    limit: int | None = None
    cursor: str | None = None


def _staff(request: HttpRequest) -> User:
    user = caller(request)
    require_desk_staff(user)
    return user


def _incident(incident_id: int) -> Incident:
    incident = with_relations(Incident.objects.filter(pk=incident_id)).first()
    if incident is None:
        raise NotFound(f"No incident {incident_id}.")
    return incident


def _person(value: str | None) -> User | None:
    """A staff member named by email or id; empty clears."""
    if not value:
        return None
    found = (User.objects.filter(pk=int(value)) if value.isdecimal()
             else User.objects.filter(email__iexact=value)).filter(is_active=True).first()
    if found is None or not found.is_desk_staff:
        raise InvalidInput(f"No desk staff member {value!r}.", fields={"owner": "unknown"})
    return found


def _tickets(ids: list[int]) -> list[Ticket]:
    found = Ticket.objects.in_bulk(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(f"No ticket {', '.join(map(str, missing))}.",
                           fields={"ticket_ids": "unknown ticket"})
    return [found[i] for i in dict.fromkeys(ids)]


@router.post("", response={201: IncidentOut, **ERRORS}, summary="Open an incident")
def create_incident(request: HttpRequest, payload: IncidentCreate) -> Any:
    user = _staff(request)
    from_ticket = _tickets([payload.from_ticket])[0] if payload.from_ticket else None
    incident = workflow.open_incident(
        title=payload.title, actor=user, cos=payload.cos, components=payload.components,
        groups=payload.groups, summary=payload.summary, from_ticket=from_ticket,
        owner=_person(payload.owner) if payload.owner else user)
    return Status(201, incident_out(_incident(incident.pk)))


@router.get("", response={200: IncidentPage, **ERRORS}, summary="List incidents")
def list_incidents(request: HttpRequest, filters: Query[ListQuery]) -> Any:
    _staff(request)
    incidents = Incident.objects.all()
    if filters.status:
        wanted = (list(ACTIVE_STATUSES) if filters.status == "active"
                  else filters.status.split(","))
        unknown = set(wanted) - set(IncidentStatus.values)
        if unknown:
            raise InvalidInput(f"Unknown status {', '.join(sorted(unknown))}.",
                               fields={"status": "a status, several with commas, or active"})
        incidents = incidents.filter(status__in=wanted)
    if filters.cursor:
        values = decode_cursor(filters.cursor)
        if len(values) != 1 or not isinstance(values[0], int):
            raise InvalidInput("The cursor is not valid.", fields={"cursor": "not valid"})
        incidents = incidents.filter(pk__lt=values[0])
    size = page_size(filters.limit)
    rows = list(with_relations(incidents.order_by("-pk"))[:size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return {"items": [incident_out(i) for i in rows],
            "next_cursor": encode_cursor([rows[-1].pk]) if more else None}


@router.get("/{incident_id}", response={200: IncidentOut, **ERRORS}, summary="Get an incident")
def get_incident(request: HttpRequest, incident_id: int) -> Any:
    _staff(request)
    return incident_out(_incident(incident_id))


@router.patch("/{incident_id}", response={200: IncidentOut, **ERRORS},
              summary="Change an incident")
def patch_incident(request: HttpRequest, incident_id: int, payload: IncidentPatch) -> Any:
    user = _staff(request)
    given = payload.model_dump(exclude_unset=True)
    fields: dict[str, Any] = {  # absent or null: left as it is
        name: UNSET if given.get(name) is None else given[name] for name in (
            "title", "summary", "status", "cos", "components", "groups", "root_cause")}
    workflow.change_incident(
        incident=_incident(incident_id), actor=user, version=payload.version,
        cos_reason=payload.cos_reason,
        owner=_person(given["owner"]) if "owner" in given else UNSET, **fields)
    return incident_out(_incident(incident_id))


@router.post("/{incident_id}/tickets", response={200: IncidentOut, **ERRORS},
             summary="Link tickets to an incident")
def link_tickets(request: HttpRequest, incident_id: int, payload: LinkIn) -> Any:
    user = _staff(request)
    incident = _incident(incident_id)
    workflow.link_tickets(incident=incident, tickets=_tickets(payload.ticket_ids), actor=user)
    return incident_out(_incident(incident_id))


@router.delete("/{incident_id}/tickets/{ticket_id}", response={200: IncidentOut, **ERRORS},
               summary="Unlink a ticket from an incident")
def unlink_ticket(request: HttpRequest, incident_id: int, ticket_id: int) -> Any:
    user = _staff(request)
    workflow.unlink_ticket(incident=_incident(incident_id), ticket=_tickets([ticket_id])[0],
                           actor=user)
    return incident_out(_incident(incident_id))


@router.post("/{incident_id}/updates", response={201: UpdateOut, **ERRORS},
             summary="Post a public update or an internal note")
def post_update(request: HttpRequest, incident_id: int, payload: UpdateIn) -> Any:
    user = _staff(request)
    update = workflow.post_update(
        incident=_incident(incident_id), actor=user, body=payload.body,
        body_vi=payload.body_vi, status=payload.status, public=payload.public,
        notify=payload.notify, version=payload.version)
    return Status(201, update_out(update))


@router.post("/{incident_id}/resolve", response={200: IncidentOut, **ERRORS},
             summary="Resolve an incident and answer every linked requester")
def resolve(request: HttpRequest, incident_id: int, payload: ResolveIn) -> Any:
    user = _staff(request)
    workflow.resolve_incident(
        incident=_incident(incident_id), actor=user, resolution=payload.resolution,
        resolution_vi=payload.resolution_vi, root_cause=payload.root_cause,
        notify=payload.notify, version=payload.version)
    return incident_out(_incident(incident_id))


@router.get("/{incident_id}/events", response={200: list[EventOut], **ERRORS},
            summary="An incident's timeline")
def list_events(request: HttpRequest, incident_id: int) -> Any:
    _staff(request)
    incident = _incident(incident_id)
    return list(IncidentEvent.objects.filter(incident=incident).order_by("at", "id"))
