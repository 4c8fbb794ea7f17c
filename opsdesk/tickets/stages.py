"""Moving a ticket between stages: legal transitions, waiting reasons, resolve and close."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F

from opsdesk.accounts.models import User
from opsdesk.core.alike import update_alike
from opsdesk.core.errors import Forbidden, InvalidInput

from .errors import IllegalTransition, MissingCloseSummary
from .models import Message, Stage, Ticket, WaitingReason
from .services import event_message, lock_ticket


@dataclass(frozen=True)
class CloseSummary:
    root_cause: str
    resolution: str
    lessons: str = ""
    kb_suggestion: str = ""


@dataclass(frozen=True)
class Moved:
    """A ticket moved to another stage, as saved, and the stage it left."""

    ticket: Ticket
    previous: str


def move(
    *,
    ticket: Ticket,
    actor: User,
    to: str,
    reason: str = "",
    waiting_reason: str = "",
    summary: CloseSummary | None = None,
    waive_verification: str = "",
    version: int | None = None,
    at: datetime,
) -> Moved:
    """Move a ticket to another stage along a legal transition `at`, and record the event (a
    step of `workflows.tickets.change_stage`).

    Resolving needs the verification checklist done, or waived with a reason.
    """
    _ensure_may_move(actor, to)
    with transaction.atomic():
        locked = lock_ticket(ticket=ticket, version=version)
        return _move_locked([locked], actor=actor, to=to, reason=reason,
                            waiting_reason=waiting_reason, summary=summary,
                            waive_verification=waive_verification, at=at)[0]


def move_many(*, tickets: Sequence[Ticket], actor: User, to: str, reason: str = "",
              waive_verification: str = "", locked: bool = False, at: datetime) -> list[Moved]:
    """`move` for several tickets (a step of `workflows.tickets.change_stages`): locked in
    one read, in number order (`locked`: the caller did, and they are moved as given),
    saved together, their events with one insert; if any cannot move, none does."""
    _ensure_may_move(actor, to)
    with transaction.atomic():
        if not locked:
            tickets = list(Ticket.objects.select_for_update(of=("self",), no_key=True)
                           .select_related("requester").filter(pk__in=[t.pk for t in tickets])
                           .order_by("pk"))  # see lock_ticket
        return _move_locked(list(tickets), actor=actor, to=to, reason=reason,
                            waive_verification=waive_verification, at=at)


def _ensure_may_move(actor: User, to: str) -> None:
    if actor.is_requester:
        raise Forbidden("Only desk staff can change a ticket's stage.")
    if to not in Stage.values:
        raise InvalidInput(f"Unknown stage {to!r}.", fields={"stage": "unknown"})


def _move_locked(tickets: list[Ticket], *, actor: User, to: str, reason: str,
                 waiting_reason: str = "", summary: CloseSummary | None = None,
                 waive_verification: str, at: datetime) -> list[Moved]:
    from .verification import ensure_verified

    for ticket in tickets:
        # Waiting → Waiting is allowed: it changes what the ticket waits on.
        same = to == ticket.stage
        if (same and to != Stage.WAITING) or (not same and not ticket.can_move_to(to)):
            raise IllegalTransition(ticket.stage, to)
    events = ensure_verified(tickets=tickets, actor=actor, waiver=waive_verification,
                             at=at) if to == Stage.RESOLVED else []
    moved, fields = [], ["stage", "waiting_reason"]
    for ticket in tickets:
        moved.append(Moved(ticket=ticket, previous=ticket.stage))
        ticket.waiting_reason = _waiting_reason(to, waiting_reason)
        ticket.stage = to
        fields += _stamp_stage(ticket, to, summary, at=at)
        ticket.version += 1  # as bump_version does, the rows locked
        ticket.updated_at = at
        events.append(_stage_event(ticket, actor=actor, to=to, previous=moved[-1].previous,
                                   reason=reason, at=at))
    update_alike(tickets, [*dict.fromkeys(fields), "updated_at"], version=F("version") + 1)
    Message.objects.bulk_create(events)
    return moved


def _stage_event(ticket: Ticket, *, actor: User, to: str, previous: str, reason: str,
                 at: datetime) -> Message:
    label = str(Stage(to).label)
    if to == Stage.WAITING:
        label += f" on {WaitingReason(ticket.waiting_reason).label.lower()}"
    return event_message(
        ticket=ticket, actor=actor, event="stage_changed", body=f"Stage: {label}.",
        data={"from": previous, "to": to, "waiting_reason": ticket.waiting_reason,
              "reason": reason}, at=at,
    )


def _waiting_reason(to: str, waiting_reason: str) -> str:
    if to != Stage.WAITING:
        return ""
    if waiting_reason not in WaitingReason.values:
        raise InvalidInput(
            "Waiting needs a reason: customer, dev_team or third_party.",
            fields={"waiting_reason": "customer, dev_team or third_party"},
        )
    return waiting_reason


def _stamp_stage(ticket: Ticket, to: str, summary: CloseSummary | None, *,
                 at: datetime) -> list[str]:
    if to == Stage.RESOLVED:
        ticket.resolved_at = at
        return ["resolved_at"]
    if to == Stage.CLOSED:
        missing = {}
        if summary is None or not summary.root_cause.strip():
            missing["root_cause"] = "required to close"
        if summary is None or not summary.resolution.strip():
            missing["resolution"] = "required to close"
        if missing or summary is None:
            raise MissingCloseSummary(
                "Closing a ticket needs its root cause and resolution.", fields=missing
            )
        ticket.closed_at = at
        ticket.root_cause, ticket.resolution = summary.root_cause, summary.resolution
        ticket.lessons, ticket.kb_suggestion = summary.lessons, summary.kb_suggestion
        return ["closed_at", "root_cause", "resolution", "lessons", "kb_suggestion"]
    if to == Stage.IN_PROGRESS and ticket.resolved_at is not None:
        ticket.resolved_at = None  # reopened
        return ["resolved_at"]
    return []
