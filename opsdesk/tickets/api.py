"""REST API for tickets: parse, authorise, call a service, serialise (API.md)."""

from dataclasses import fields as dataclass_fields
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from opsdesk.accounts.models import Team, User
from opsdesk.accounts.services import find_or_create_requester
from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import InvalidInput, NotFound
from opsdesk.core.pagination import decode_cursor, encode_cursor, page_size
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

from . import services, stages
from .impact import Impact
from .models import Message, Ticket
from .queries import TicketFilters, filter_tickets, page_of_tickets
from .representation import message_out, output_zone, ticket_out, with_relations
from .schemas import (
    ErrorOut,
    ImpactIn,
    MessageIn,
    MessageOut,
    MessagePage,
    StageChange,
    TicketCreate,
    TicketOut,
    TicketPage,
    TicketPatch,
    TimelineOut,
)
from .timeline import phases, timeline

router = Router(tags=["tickets"])
ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 413, 422), ErrorOut)


class ListQuery(TicketFilters):
    order: str | None = Field(None, description="newest (default) or breaching_soon")
    limit: int | None = None
    cursor: str | None = None
    tz: str | None = None


# What a new ticket takes from the request as it is: TicketCreate's fields of a TicketDraft.
AS_GIVEN = {f.name for f in dataclass_fields(services.TicketDraft)} & set(
    TicketCreate.model_fields) - {"requester", "team", "assignee", "impact", "cos"}


def visible_ticket(user: User, ticket_id: int) -> Ticket:
    """The ticket if this user may see it; otherwise 404, as if it did not exist."""
    ticket = with_relations(Ticket.objects.visible_to(user)).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(f"No ticket {ticket_id}.")
    return ticket


def _fresh(ticket_id: int) -> Ticket:
    return with_relations(Ticket.objects.all()).get(pk=ticket_id)


def _as_created(ticket: Ticket) -> Ticket:
    """The ticket just created, as its creation left it in memory (its tags, groups, clocks
    and likely duplicates with it); read again if anything (a rule, say) changed it since."""
    stored = Ticket.objects.filter(pk=ticket.pk).values_list("version", "updated_at").first()
    return ticket if stored == (ticket.version, ticket.updated_at) else _fresh(ticket.pk)


def team_by_name(name: str | None) -> Team | None:
    if not name:
        return None
    team = Team.objects.filter(name__iexact=name.strip()).first()
    if team is None:
        raise InvalidInput(f"No team named {name!r}.", fields={"team": "unknown team"})
    return team


def staff_member(ref: str | None, field: str = "assignee") -> User | None:
    if not ref:
        return None
    found = User.objects.filter(pk=int(ref)) if ref.isdecimal() else User.objects.filter(
        email__iexact=ref.strip()
    )
    user = found.first()
    if user is None or not user.is_desk_staff:
        raise InvalidInput(f"{ref!r} is not a desk staff member.", fields={field: "not staff"})
    return user


def _impact(impact: ImpactIn | None) -> Impact | None:
    return Impact.from_api(impact.dict() if impact is not None else None)


@router.post("", response={201: TicketOut, **ERRORS}, summary="Create a ticket")
def create_ticket(request: HttpRequest, payload: TicketCreate, tz: str | None = None) -> Any:
    user = caller(request)
    zone = output_zone(tz)
    team = assignee = None
    if user.is_desk_staff:
        if payload.requester is None:
            raise InvalidInput("Who is asking? requester is required.",
                               fields={"requester": "required"})
        team, assignee = team_by_name(payload.team), staff_member(payload.assignee)
    impact = _impact(payload.impact)

    def draft() -> services.TicketDraft:
        requester = user if payload.requester is None or not user.is_desk_staff else \
            find_or_create_requester(
                email=payload.requester.email, name=payload.requester.name,
                requester_role=payload.requester.role or "", language=payload.language,
            )
        return services.TicketDraft(
            **payload.dict(include=AS_GIVEN), requester=requester, team=team,
            assignee=assignee, impact=impact, cos=payload.cos if user.is_desk_staff else None)

    with transaction.atomic():  # a refused ticket leaves no new requester behind
        ticket = ticket_workflow.open_ticket(actor=user, draft=draft())
    return Status(201, ticket_out(_as_created(ticket), zone))


@router.get("", response={200: TicketPage, **ERRORS}, summary="List tickets")
def list_tickets(request: HttpRequest, filters: Query[ListQuery]) -> Any:
    user = caller(request)
    zone = output_zone(filters.tz)
    tickets = filter_tickets(Ticket.objects.visible_to(user), filters, user)
    rows, next_cursor = page_of_tickets(
        with_relations(tickets), order=filters.order, cursor=filters.cursor,
        size=page_size(filters.limit),
    )
    return {"items": [ticket_out(t, zone) for t in rows], "next_cursor": next_cursor}


@router.get("/{ticket_id}", response={200: TicketOut, **ERRORS}, summary="Get a ticket")
def get_ticket(request: HttpRequest, ticket_id: int, tz: str | None = None) -> Any:
    return ticket_out(visible_ticket(caller(request), ticket_id), output_zone(tz))


@router.patch("/{ticket_id}", response={200: TicketOut, **ERRORS}, summary="Update a ticket")
def patch_ticket(request: HttpRequest, ticket_id: int, payload: TicketPatch) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    require_desk_staff(user)
    sent = payload.dict(exclude_unset=True)
    changes: dict[str, Any] = {k: sent[k] for k in ("title", "tags", "workaround", "priority")
                               if k in sent and sent[k] is not None}
    if "assignee" in sent:
        changes["assignee"] = staff_member(sent["assignee"])
    if "team" in sent:
        changes["team"] = team_by_name(sent["team"])
    if payload.impact is not None:
        changes["impact"] = _impact(payload.impact)
    version = payload.version
    with transaction.atomic():
        if changes:
            ticket = ticket_workflow.update_ticket(ticket=ticket, actor=user, version=version,
                                                   **changes)
            version = None
        if payload.cos is not None:
            ticket_workflow.override_cos(ticket=ticket, actor=user, cos=payload.cos,
                                  reason=payload.cos_reason, version=version)
        elif version is not None:
            services.lock_ticket(ticket=ticket, version=version)
    return ticket_out(_fresh(ticket.pk))


@router.post("/{ticket_id}/stage", response={200: TicketOut, **ERRORS},
             summary="Move a ticket to another stage")
def post_stage(request: HttpRequest, ticket_id: int, payload: StageChange) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    summary = stages.CloseSummary(
        root_cause=payload.root_cause, resolution=payload.resolution,
        lessons=payload.lessons, kb_suggestion=payload.kb_suggestion,
    )
    ticket_workflow.change_stage(
        ticket=ticket, actor=user, to=payload.stage, reason=payload.reason,
        waiting_reason=payload.waiting_reason or "", summary=summary,
        waive_verification=payload.waive_verification, version=payload.version,
    )
    return ticket_out(_fresh(ticket.pk))


def _message_page(
    messages: QuerySet[Message], cursor: str | None, size: int
) -> tuple[list[Message], str | None]:
    if cursor:
        values = decode_cursor(cursor)
        if len(values) != 1 or not isinstance(values[0], int):
            raise InvalidInput("The cursor is not valid.", fields={"cursor": "not valid"})
        messages = messages.filter(pk__gt=values[0])
    rows = list(messages.order_by("pk")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return rows, encode_cursor([rows[-1].pk]) if has_more else None


@router.get("/{ticket_id}/messages", response={200: MessagePage, **ERRORS},
            summary="Messages on a ticket (a requester never sees notes)")
def list_messages(
    request: HttpRequest, ticket_id: int, limit: int | None = None, cursor: str | None = None,
    tz: str | None = None,
) -> Any:
    user = caller(request)
    zone = output_zone(tz)
    ticket = visible_ticket(user, ticket_id)
    rows, next_cursor = _message_page(
        services.visible_messages(ticket=ticket, viewer=user), cursor, page_size(limit)
    )
    return {"items": [message_out(m, user, zone) for m in rows], "next_cursor": next_cursor}


@router.post("/{ticket_id}/messages", response={201: MessageOut, **ERRORS},
             summary="Add a note or a reply")
def post_message(request: HttpRequest, ticket_id: int, payload: MessageIn) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    body = payload.body
    if payload.template:
        from opsdesk.communications.rendering import render

        require_desk_staff(user)
        body = body or render(key=payload.template, ticket=ticket, agent=user).body
    message = message_workflow.add_message(ticket=ticket, actor=user, kind=payload.kind, body=body,
                                   template=payload.template or "")
    return Status(201, message_out(message, user))


@router.get("/{ticket_id}/timeline", response={200: TimelineOut, **ERRORS},
            summary="Timeline in time order, with phase timings in minutes")
def get_timeline(request: HttpRequest, ticket_id: int, tz: str | None = None) -> Any:
    user = caller(request)
    zone = output_zone(tz)
    ticket = visible_ticket(user, ticket_id)
    return {"items": timeline(ticket, user, zone), "phases": phases(ticket)}
