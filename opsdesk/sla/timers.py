"""Firing SLA timers: warnings before a breach and breaches, within a minute of due.

The worker calls `fire_due_timers` every few seconds. It claims due clocks with
`SELECT … FOR UPDATE SKIP LOCKED`, so any number of workers share the work and each
warning or breach fires exactly once; a clock met or paused meanwhile is no longer
running and is not selected.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.services import system_user
from opsdesk.automation.engine import run_trigger
from opsdesk.automation.models import Trigger
from opsdesk.notifications.services import notify, people_to_alert
from opsdesk.tickets.services import record_event

from .models import ClockStatus, SlaClock, SlaEventKind
from .services import record_clock_event

BATCH = 200


@dataclass(frozen=True)
class Fired:
    warned: int
    breached: int


def _claim(now: datetime, *, breaches: bool) -> list[SlaClock]:
    clocks = SlaClock.objects.select_for_update(skip_locked=True, no_key=True).filter(
        status=ClockStatus.RUNNING)
    if breaches:
        clocks = clocks.filter(due_at__lte=now).order_by("due_at")
    else:
        clocks = clocks.filter(warned_at__isnull=True, warn_at__lte=now, due_at__gt=now)
        clocks = clocks.order_by("warn_at")
    return list(clocks[:BATCH])


def _local(at: datetime) -> str:
    return f"{timezone.localtime(at):%H:%M}"


def _announce(clock: SlaClock, kind: str, now: datetime) -> None:
    ticket = clock.ticket
    target = clock.get_target_display().lower()
    assert clock.due_at is not None
    if kind == SlaEventKind.BREACHED:
        body = f"SLA breached: {target} was due {_local(clock.due_at)}."
    else:
        minutes = max(0, round((clock.due_at - now).total_seconds() / 60))
        body = f"SLA warning: {target} due {_local(clock.due_at)} (in {minutes} min)."
    record_event(ticket=ticket, actor=system_user(), event=f"sla_{kind}", body=body,
                 data={"target": clock.target, "due_at": clock.due_at.isoformat()}, at=now)
    notify(recipients=people_to_alert(ticket), ticket=ticket, kind=f"sla_{kind}",
           subject=f"[{ticket.ref}] {body}", body=f"{ticket.ref} {ticket.title}\n\n{body}",
           at=now)


def fire_due_timers(now: datetime | None = None) -> Fired:
    """Warn and breach every running clock whose time has come by `now` (now if None)."""
    now = now or timezone.now()
    with transaction.atomic():
        breached = _claim(now, breaches=True)
        for clock in breached:
            clock.status = ClockStatus.BREACHED
            clock.breached_at = clock.breached_at or now
            clock.save(update_fields=["status", "breached_at"])
            record_clock_event(clock, SlaEventKind.BREACHED, now)
            _announce(clock, SlaEventKind.BREACHED, now)
    with transaction.atomic():
        warned = _claim(now, breaches=False)
        for clock in warned:
            clock.warned_at = now
            clock.save(update_fields=["warned_at"])
            record_clock_event(clock, SlaEventKind.WARNED, now)
            _announce(clock, SlaEventKind.WARNED, now)
            run_trigger(trigger=Trigger.SLA_WARNING, ticket=clock.ticket, now=now,
                        extra={"sla_target": clock.target})  # the rules on a lapsing clock
    return Fired(warned=len(warned), breached=len(breached))
