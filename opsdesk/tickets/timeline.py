"""Phase timings of a ticket (API.md timeline): ack, investigation, fix, verification."""

from datetime import datetime, tzinfo
from typing import Any

from opsdesk.accounts.models import User
from opsdesk.sla.queries import clock_events

from .escalations import escalation_times
from .models import Message, MessageKind, Ticket
from .representation import message_out


def timeline(ticket: Ticket, viewer: User, zone: tzinfo | None = None) -> list[dict[str, Any]]:
    """Messages, events and SLA clock events that this viewer may see, in time order."""
    from .services import visible_messages

    entries = [message_out(m, viewer, zone) for m in visible_messages(ticket=ticket, viewer=viewer)]
    entries += clock_events(ticket, viewer, zone)
    # Same moment: the ticket's own messages first, then the clocks' events.
    return sorted(entries, key=lambda e: (e["created_at"], e.get("source", "message") != "message"))


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds() / 60))


def first_reply_at(ticket: Ticket) -> datetime | None:
    """When desk staff first replied to the requester."""
    reply = (
        Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY)
        .exclude(author=ticket.requester)
        .order_by("created_at", "id")
        .first()
    )
    return reply.created_at if reply else None


def phases(ticket: Ticket) -> dict[str, int | None]:
    """Minutes per phase; a phase not reached yet is None."""
    acked = first_reply_at(ticket)
    escalated, answered = escalation_times(ticket)
    resolved = ticket.resolved_at
    if escalated is None:
        fix = 0 if resolved else None
        return {
            "ack": _minutes(ticket.received_at, acked),
            "investigation": _minutes(acked, resolved),
            "fix": fix,
            "verification": 0 if resolved else None,
        }
    return {
        "ack": _minutes(ticket.received_at, acked),
        "investigation": _minutes(acked, escalated),
        "fix": _minutes(escalated, answered),
        "verification": _minutes(answered, resolved),
    }
