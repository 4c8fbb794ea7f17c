"""Moving a ticket between stages: legal transitions, waiting reasons, resolve and close."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from opsdesk.accounts.models import User
from opsdesk.core.errors import Forbidden, InvalidInput

from .errors import IllegalTransition, MissingCloseSummary
from .models import Stage, Ticket, WaitingReason
from .services import bump_version, lock_ticket, record_event


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
    from .verification import ensure_verified

    if actor.is_requester:
        raise Forbidden("Only desk staff can change a ticket's stage.")
    if to not in Stage.values:
        raise InvalidInput(f"Unknown stage {to!r}.", fields={"stage": "unknown"})
    with transaction.atomic():
        ticket = lock_ticket(ticket=ticket, version=version)
        previous = ticket.stage
        # Waiting → Waiting is allowed: it changes what the ticket waits on.
        same = to == previous
        if (same and to != Stage.WAITING) or (not same and not ticket.can_move_to(to)):
            raise IllegalTransition(previous, to)
        if to == Stage.RESOLVED:
            ensure_verified(ticket=ticket, actor=actor, waiver=waive_verification, at=at)
        fields = ["stage", "waiting_reason"]
        ticket.waiting_reason = _waiting_reason(to, waiting_reason)
        ticket.stage = to
        fields += _stamp_stage(ticket, to, summary, at=at)
        bump_version(ticket, fields, at=at)
        label = str(Stage(to).label)
        if to == Stage.WAITING:
            label += f" on {WaitingReason(ticket.waiting_reason).label.lower()}"
        record_event(
            ticket=ticket, actor=actor, event="stage_changed", body=f"Stage: {label}.",
            data={"from": previous, "to": to, "waiting_reason": ticket.waiting_reason,
                  "reason": reason}, at=at,
        )
    return Moved(ticket=ticket, previous=previous)


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
