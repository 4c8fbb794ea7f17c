"""The verification checklist: one check per affected group, done before resolving."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.core.errors import DomainError, Forbidden, InvalidInput

from .models import Message, Ticket, VerificationCheck
from .services import event_message, record_event, touch_ticket

CHECK_LABELS = {
    "en": "Submit a test in {group} and confirm it works",
    "vi": "Thử nộp bài trong lớp {group} và xác nhận hoạt động bình thường",
}


class VerificationPending(DomainError):
    code = "verification_pending"


def sync_group_checks(*, ticket: Ticket, at: datetime,
                      new: bool = False) -> list[VerificationCheck]:
    """Add a check, created `at`, for every affected group that has none yet (existing
    checks are kept); `new`: the ticket was just created, so it has no checks yet."""
    have = set() if new else set(ticket.checks.exclude(group="").values_list("group", flat=True))
    label = CHECK_LABELS.get(ticket.language, CHECK_LABELS["en"])
    return VerificationCheck.objects.bulk_create(
        VerificationCheck(ticket=ticket, group=g.name, label=label.format(group=g.name),
                          created_at=at)
        for g in ticket.impact_groups.all() if g.name not in have
    )


def add_check(*, ticket: Ticket, actor: User, label: str, group: str = "") -> VerificationCheck:
    """Add an item to the checklist by hand."""
    if not actor.is_desk_staff:
        raise Forbidden("Only desk staff edit the verification checklist.")
    if not label.strip():
        raise InvalidInput("A check needs a label.", fields={"label": "required"})
    with transaction.atomic():
        check = VerificationCheck.objects.create(ticket=ticket, label=label.strip(), group=group)
        touch_ticket(ticket)
    return check


def update_check(
    *, check: VerificationCheck, actor: User, done: bool | None = None, result: str | None = None,
    label: str | None = None, at: datetime | None = None,
) -> VerificationCheck:
    """Tick or untick a check, record its result, or relabel it; `at`: when, now if None."""
    if not actor.is_desk_staff:
        raise Forbidden("Only desk staff edit the verification checklist.")
    if label is not None and not label.strip():
        raise InvalidInput("A check needs a label.", fields={"label": "required"})
    at = at or timezone.now()
    with transaction.atomic():
        if label is not None:
            check.label = label.strip()
        if result is not None:
            check.result = result
        if done is not None and done != check.done:
            check.done = done
            check.done_by, check.done_at = (actor, at) if done else (None, None)
            record_event(ticket=check.ticket, actor=actor, event="check_done" if done else
                         "check_reopened", body=f"Verification: {check.label} — "
                         f"{'done' if done else 'not done'}.", data={"check_id": check.pk},
                         at=at)
        check.save()
        touch_ticket(check.ticket, at=at)
    return check


def mark_groups_verified(*, ticket: Ticket, actor: User, groups: list[str], result: str = "",
                         at: datetime | None = None) -> int:
    """Mark the checks of these groups done (as a verifier reports them) `at`, now if None."""
    checks = ticket.checks.filter(group__in=groups, done=False)
    for check in checks:
        update_check(check=check, actor=actor, done=True, result=result, at=at)
    return len(checks)


def ensure_verified(*, tickets: Sequence[Ticket], actor: User, waiver: str,
                    at: datetime) -> list[Message]:
    """Refuse to resolve while checks are open, unless waived with a reason: the waivers'
    events, unsaved (the tickets' open checks are read together)."""
    open_checks: dict[int, list[str]] = {}
    for ticket_id, label in VerificationCheck.objects.filter(
            ticket__in=list(tickets), done=False).order_by("id").values_list("ticket_id", "label"):
        open_checks.setdefault(ticket_id, []).append(label)
    if open_checks and not waiver.strip():
        labels = next(iter(open_checks.values()))
        raise VerificationPending(
            f"Verify before resolving: {len(labels)} check(s) open "
            f"({'; '.join(labels[:3])}). Tick them, or waive verification with a reason.",
            fields={"checks": f"{len(labels)} open", "waive_verification": "or give a reason"},
        )
    return [event_message(ticket=ticket, actor=actor, event="verification_waived",
                          body=f"Verification waived: {waiver.strip()}",
                          data={"open_checks": open_checks[ticket.pk], "reason": waiver.strip()},
                          at=at)
            for ticket in tickets if ticket.pk in open_checks]
