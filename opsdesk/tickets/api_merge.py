"""REST API for merging and splitting tickets (API.md: /tickets/{id}/merge, /split)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import NotFound
from opsdesk.workflows import merging as merge_workflow

from .api import ERRORS, visible_ticket
from .models import Message, Ticket
from .representation import ticket_out, with_relations
from .schemas import TicketOut

router = Router(tags=["tickets"])


class MergeIn(Schema):
    into: int
    version: int | None = None


class SplitIn(Schema):
    message_id: int
    version: int | None = None


def _shown(ticket_id: int) -> dict[str, Any]:
    return ticket_out(with_relations(Ticket.objects.all()).get(pk=ticket_id))


@router.post("/tickets/{ticket_id}/merge", response={200: TicketOut, **ERRORS},
             summary="Merge a ticket into another; returns the ticket it continues as")
def post_merge(request: HttpRequest, ticket_id: int, payload: MergeIn) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    require_desk_staff(user)
    into = Ticket.objects.filter(pk=payload.into).first()
    if into is None:
        raise NotFound(f"No ticket {payload.into}.", fields={"into": "unknown ticket"})
    merge_workflow.merge_ticket(ticket=ticket, into=into, actor=user, version=payload.version)
    return _shown(into.pk)


@router.post("/tickets/{ticket_id}/split", response={201: TicketOut, **ERRORS},
             summary="Split a requester's message off into a new ticket; returns the new one")
def post_split(request: HttpRequest, ticket_id: int, payload: SplitIn) -> Any:
    user = caller(request)
    ticket = visible_ticket(user, ticket_id)
    require_desk_staff(user)
    message = Message.objects.select_related("author").filter(pk=payload.message_id).first()
    new = merge_workflow.split_ticket(ticket=ticket, message=message, actor=user,
                                      version=payload.version)
    return Status(201, _shown(new.pk))
