"""SLA clocks: start them, meet them, pause and resume them, re-time them, fire them."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.utils import timezone

from opsdesk.accounts.models import STAFF_ROLES
from opsdesk.core.alike import update_alike
from opsdesk.core.config_cache import cached_config
from opsdesk.core.prefetch import remember_related
from opsdesk.tickets.models import Message, MessageKind, Stage, Ticket

from .hours import WorkingHours
from .models import ClockStatus, SlaClock, SlaEvent, SlaEventKind, SlaPolicy, Target

ACTIVE = (ClockStatus.RUNNING, ClockStatus.PAUSED)
STOPPED_BY_RESOLVING = (Target.RESOLVE, Target.ESCALATION, Target.UPDATE)


def enabled_policies() -> list[SlaPolicy]:
    """The enabled policies in evaluation order, their working hours worked out once."""
    def load() -> list[SlaPolicy]:
        policies = list(SlaPolicy.objects.filter(enabled=True).select_related("calendar")
                        .order_by("position", "id"))
        for policy in policies:
            policy.working_hours()
        return policies

    return cached_config("sla.policies", load)


def policy_for(ticket: Ticket, tags: Iterable[str] | None = None) -> SlaPolicy | None:
    """The first enabled policy matching the ticket's class, team and tags."""
    candidates = [p for p in enabled_policies() if p.cos == ticket.cos
                  and p.team_id in (None, ticket.team_id)]
    if any(p.tag for p in candidates):
        names = {t.lower() for t in tags} if tags is not None else \
            {t.name.lower() for t in ticket.tags.all()}
        candidates = [p for p in candidates if not p.tag or p.tag.lower() in names]
    return candidates[0] if candidates else None


def _event(clock: SlaClock, kind: str, at: datetime, note: str = "") -> SlaEvent:
    return SlaEvent(clock=clock, ticket_id=clock.ticket_id, target=clock.target, kind=kind,
                    at=at, due_at=clock.due_at, note=note)


def record_clock_event(clock: SlaClock, kind: str, at: datetime, note: str = "") -> None:
    """Store one change of a clock (SLA event)."""
    _event(clock, kind, at, note).save()


CLOCK_FIELDS = ("policy", "status", "started_at", "due_at", "warn_at", "warned_at", "met_at",
                "breached_at", "paused_at", "remaining_seconds")
STOP_FIELDS = ("status", "met_at", "breached_at", "paused_at", "remaining_seconds")  # _judge's


def _lock_clocks(tickets: Sequence[Ticket]) -> dict[int, dict[str, SlaClock]]:
    """Each ticket's clocks by target, locked in one read; an enabled policy is the
    configured copy, its working hours (holidays included) worked out already."""
    policies = {policy.pk: policy for policy in enabled_policies()}
    by_pk = {ticket.pk: ticket for ticket in tickets}
    clocks: dict[int, dict[str, SlaClock]] = {}
    for clock in SlaClock.objects.select_for_update(of=("self",), no_key=True).filter(
            ticket__in=list(by_pk)).order_by("pk"):
        if clock.policy_id in policies:
            clock.policy = policies[clock.policy_id]
        clock.ticket = by_pk[clock.ticket_id]
        clocks.setdefault(clock.ticket_id, {})[clock.target] = clock
    return clocks


def _save(clock: SlaClock) -> None:
    clock.save(update_fields=CLOCK_FIELDS)


def _due(policy: SlaPolicy, hours: WorkingHours, target: str, start: datetime,
         ticket: Ticket) -> datetime | None:
    if target == Target.RESOLVE and policy.resolve_by_due_date and ticket.due_at:
        return ticket.due_at
    minutes = policy.minutes_for(target)
    return None if minutes is None else hours.add(start, minutes * 60)


def _warn_at(policy: SlaPolicy, hours: WorkingHours, start: datetime, due: datetime) -> datetime:
    return hours.add(start, hours.between(start, due) * policy.warn_at_percent / 100)


def _new_clock(ticket: Ticket, policy: SlaPolicy, target: str,
               start: datetime) -> SlaClock | None:
    hours = policy.working_hours()
    due = _due(policy, hours, target, start, ticket)
    if due is None:
        return None
    return SlaClock(ticket=ticket, target=target, policy=policy, started_at=start, due_at=due,
                    warn_at=_warn_at(policy, hours, start, due))


def _start(ticket: Ticket, policy: SlaPolicy, target: str,
           start: datetime, now: datetime) -> SlaClock | None:
    """Start a clock from `start`, recorded `now`."""
    clock = _new_clock(ticket, policy, target, start)
    if clock is None:
        return None
    clock.save()
    record_clock_event(clock, SlaEventKind.STARTED, now)
    return clock


def _judge(clock: SlaClock, at: datetime) -> str:
    """Stop a clock (unsaved): met when in time and never breached, breached otherwise;
    returns the kind of event that tells about this moment.

    A paused clock is judged at the moment it paused: time spent waiting does not count.
    """
    judged_at = clock.paused_at if clock.status == ClockStatus.PAUSED and clock.paused_at \
        else at
    late = clock.due_at is not None and judged_at > clock.due_at
    if late and clock.breached_at is None:
        clock.breached_at = at
    clock.status = ClockStatus.BREACHED if clock.breached_at else ClockStatus.MET
    clock.met_at, clock.paused_at, clock.remaining_seconds = at, None, None
    # An earlier breach was recorded when it happened.
    return SlaEventKind.BREACHED if late else SlaEventKind.MET


def _finish(clock: SlaClock, at: datetime) -> None:
    kind = _judge(clock, at)
    _save(clock)
    record_clock_event(clock, kind, at)


def _satisfied_late(clock: SlaClock, at: datetime) -> None:
    """Note when a clock already breached (by the timers) was finally satisfied."""
    if clock.status == ClockStatus.BREACHED and clock.met_at is None:
        clock.met_at = at
        _save(clock)


def _cancel(clock: SlaClock, at: datetime, note: str) -> None:
    clock.status = ClockStatus.CANCELLED
    _save(clock)
    record_clock_event(clock, SlaEventKind.CANCELLED, at, note)


def _clocks(ticket: Ticket) -> dict[str, SlaClock]:
    """The ticket's clocks by target, locked."""
    return _lock_clocks([ticket]).get(ticket.pk, {})


def start_clocks(*, tickets: Sequence[tuple[Ticket, Iterable[str] | None]],
                 at: datetime) -> list[SlaClock]:
    """Start, `at`, the clocks each new ticket's policy sets (its tags given, or read); intake
    is met at creation. Two inserts for all the tickets, which keep their clocks in memory."""
    clocks: list[SlaClock] = []
    events: list[SlaEvent] = []
    for ticket, tags in tickets:
        policy = policy_for(ticket, tags)
        own = [] if policy is None else [
            c for c in (_new_clock(ticket, policy, t, ticket.received_at)
                        for t in (Target.INTAKE, Target.ACK, Target.RESOLVE)) if c]
        remember_related(ticket, "sla_clocks", own)
        clocks += own
        events += [_event(clock, SlaEventKind.STARTED, at) for clock in own]
        intake = next((c for c in own if c.target == Target.INTAKE), None)
        if intake is not None:
            events.append(_event(intake, _judge(intake, ticket.created_at), ticket.created_at))
    SlaClock.objects.bulk_create(clocks)
    for event in events:  # their clocks have ids now
        event.clock_id = event.clock.pk
    SlaEvent.objects.bulk_create(events)
    return clocks


def on_replies(*, added: Sequence[tuple[Ticket, Message]]) -> None:
    """Replies from desk staff meet ack and the current update period; notes never do. The
    tickets' clocks are read together."""
    replies = [(ticket, message) for ticket, message in added
               if message.kind == MessageKind.REPLY and message.author.is_desk_staff]
    if not replies:
        return
    clocks = _lock_clocks([ticket for ticket, _ in replies])
    for ticket, message in replies:
        _on_reply(ticket, clocks.setdefault(ticket.pk, {}), message.created_at)


def _on_reply(ticket: Ticket, clocks: dict[str, SlaClock], now: datetime) -> None:
    ack = clocks.get(Target.ACK)
    if ack is not None and ack.status in ACTIVE:
        _finish(ack, now)
    elif ack is not None:
        _satisfied_late(ack, now)
    if not ticket.is_open:
        return
    update = clocks.get(Target.UPDATE)
    policy = (update.policy if update else None) or policy_for(ticket)
    if policy is None:
        return
    if update is None:
        update = _start(ticket, policy, Target.UPDATE, now, now)
        if update is not None:
            clocks[Target.UPDATE] = update
    elif update.status == ClockStatus.PAUSED:
        update.remaining_seconds = (policy.minutes_for(Target.UPDATE) or 0) * 60
        _save(update)
    elif update.status in (ClockStatus.RUNNING, ClockStatus.BREACHED):
        _next_update_period(update, policy, now)
    if update is not None:
        _pause_or_resume(ticket, update, policy, now)


def _next_update_period(clock: SlaClock, policy: SlaPolicy, now: datetime,
                        *, judge: bool = True) -> None:
    """Close the current update period at this reply (unless told not to judge it, as when
    a finished ticket is reopened) and start the next one."""
    in_time = clock.status == ClockStatus.RUNNING and clock.due_at and now <= clock.due_at
    if judge and in_time:
        record_clock_event(clock, SlaEventKind.MET, now)
    elif judge and clock.breached_at is None:
        clock.breached_at = now
        record_clock_event(clock, SlaEventKind.BREACHED, now)
    hours = policy.working_hours()
    due = _due(policy, hours, Target.UPDATE, now, clock.ticket)
    if due is None:
        return
    clock.status, clock.started_at, clock.due_at = ClockStatus.RUNNING, now, due
    clock.warn_at, clock.warned_at, clock.met_at = _warn_at(policy, hours, now, due), None, None
    _save(clock)
    record_clock_event(clock, SlaEventKind.STARTED, now)


def on_stage(*, ticket: Ticket, previous: str, at: datetime) -> None:
    """Stage changes (made `at`) start, pause, resume, stop or cancel clocks."""
    on_stages(moved=[(ticket, previous)], at=at)


def on_stages(*, moved: Sequence[tuple[Ticket, str]], at: datetime) -> None:
    """`on_stage` for several tickets, each with the stage it left: their clocks locked in
    one read; those that resolving or closing stops saved together, their events too."""
    clocks = _lock_clocks([ticket for ticket, _ in moved])
    stopped: list[SlaClock] = []
    events: list[SlaEvent] = []
    for ticket, previous in moved:
        if ticket.stage in (Stage.RESOLVED, Stage.CLOSED):
            _stop_on_resolve(ticket, clocks.get(ticket.pk, {}), at, stopped, events)
        else:
            _on_stage(ticket, previous, clocks.get(ticket.pk, {}), at)
    update_alike(stopped, STOP_FIELDS)
    SlaEvent.objects.bulk_create(events)


def _on_stage(ticket: Ticket, previous: str, clocks: dict[str, SlaClock],
              now: datetime) -> None:
    if ticket.stage == Stage.CANCELLED:
        for clock in clocks.values():
            if clock.status in ACTIVE:
                _cancel(clock, now, "ticket cancelled")
        return
    policy = policy_for(ticket)
    if previous == Stage.RESOLVED:
        _reopen(clocks, policy, now)
    if ticket.stage == Stage.IN_PROGRESS and Target.ESCALATION not in clocks and policy \
            and not ticket.escalations.exists():
        _start(ticket, policy, Target.ESCALATION, now, now)
    update = clocks.get(Target.UPDATE)
    if update is not None and update.policy is not None:
        _pause_or_resume(ticket, update, update.policy, now)


def _stop_on_resolve(ticket: Ticket, clocks: dict[str, SlaClock], now: datetime,
                     stopped: list[SlaClock], events: list[SlaEvent]) -> None:
    """Stop the clocks that resolving (or closing) the ticket stops, unsaved: each into
    `stopped`, the event telling it into `events`."""
    for target, clock in clocks.items():
        if clock.status not in ACTIVE:
            if target in STOPPED_BY_RESOLVING and clock.status == ClockStatus.BREACHED \
                    and clock.met_at is None:
                clock.met_at = now  # satisfied late: the breach was recorded when it happened
                stopped.append(clock)
            continue
        # Closed without the first reply: late is a breach, otherwise nothing was owed.
        late = clock.due_at is not None and now > clock.due_at
        if target in STOPPED_BY_RESOLVING or (ticket.stage == Stage.CLOSED and late):
            events.append(_event(clock, _judge(clock, now), now))
        elif ticket.stage == Stage.CLOSED:
            clock.status = ClockStatus.CANCELLED
            events.append(_event(clock, SlaEventKind.CANCELLED, now, "closed before it was due"))
        else:
            continue
        stopped.append(clock)


def _reopen(clocks: dict[str, SlaClock], policy: SlaPolicy | None,
            now: datetime) -> None:
    resolve = clocks.get(Target.RESOLVE)
    if resolve is not None and resolve.status in (ClockStatus.MET, ClockStatus.BREACHED):
        resolve.status = ClockStatus.BREACHED if resolve.breached_at else ClockStatus.RUNNING
        resolve.met_at = None
        _save(resolve)
        record_clock_event(resolve, SlaEventKind.RESUMED, now, "ticket reopened")
    update = clocks.get(Target.UPDATE)
    if update is not None and policy is not None and update.status != ClockStatus.CANCELLED:
        _next_update_period(update, policy, now, judge=False)


def _pause_or_resume(ticket: Ticket, clock: SlaClock, policy: SlaPolicy,
                     now: datetime) -> None:
    pausing = ticket.stage == Stage.WAITING and policy.pauses_update_on(ticket.waiting_reason)
    hours = policy.working_hours()
    if pausing and clock.status == ClockStatus.RUNNING and clock.due_at:
        clock.remaining_seconds = hours.between(now, clock.due_at)
        clock.status, clock.paused_at = ClockStatus.PAUSED, now
        _save(clock)
        record_clock_event(clock, SlaEventKind.PAUSED, now, f"waiting on {ticket.waiting_reason}")
    elif not pausing and clock.status == ClockStatus.PAUSED:
        remaining = clock.remaining_seconds or 0.0
        target = (policy.minutes_for(Target.UPDATE) or 0) * 60
        clock.due_at = hours.add(now, remaining)
        before_due = target * (100 - policy.warn_at_percent) / 100
        clock.warn_at = hours.add(now, max(0.0, remaining - before_due))
        clock.status, clock.paused_at, clock.remaining_seconds = ClockStatus.RUNNING, None, None
        _save(clock)
        record_clock_event(clock, SlaEventKind.RESUMED, now)


def on_escalated(*, ticket: Ticket, at: datetime) -> None:
    """An escalation meets the escalation clock."""
    clock = _clocks(ticket).get(Target.ESCALATION)
    if clock is not None and clock.status in ACTIVE:
        _finish(clock, at)


def due_summary(ticket: Ticket) -> str:
    """The running clocks' due times, in the ticket's local time zone, for event text."""
    zone = timezone.get_default_timezone()
    clocks = SlaClock.objects.filter(ticket=ticket, status=ClockStatus.RUNNING).order_by("due_at")
    return ", ".join(
        f"{c.get_target_display().lower()} due {timezone.localtime(c.due_at, zone):%H:%M}"
        for c in clocks if c.due_at
    )


def retime(*, ticket: Ticket, at: datetime) -> str:
    """Recompute every unfinished clock for the ticket's (new) class, `at`; returns a
    summary."""
    policy = policy_for(ticket)
    _retime(ticket, _clocks(ticket), policy, at)
    return due_summary(ticket)


def _retime(ticket: Ticket, clocks: dict[str, SlaClock],
            policy: SlaPolicy | None, now: datetime) -> None:
    for target in Target.values:
        clock = clocks.get(target)
        applies = policy is not None and (
            policy.minutes_for(target) is not None
            or (target == Target.RESOLVE and policy.resolve_by_due_date and ticket.due_at)
        )
        if clock is not None and clock.status in ACTIVE:
            if policy is None or not applies:
                _cancel(clock, now, f"no {target} target for {ticket.get_cos_display()}")
            else:
                _retime_clock(ticket, clock, policy, now)
        elif clock is None and policy is not None and applies:
            _start_missing(ticket, policy, target, now)


def _used_seconds(clock: SlaClock, now: datetime) -> float:
    """Working time an update period has used so far (pauses excluded)."""
    old = clock.policy
    hours = old.working_hours() if old else WorkingHours()
    target = ((old.minutes_for(clock.target) if old else None) or 0) * 60
    if clock.status == ClockStatus.PAUSED:
        return max(0.0, target - (clock.remaining_seconds or 0.0))
    if clock.due_at is None:
        return 0.0
    if clock.due_at >= now:
        return max(0.0, target - hours.between(now, clock.due_at))
    return target + hours.between(clock.due_at, now)


def _retime_clock(ticket: Ticket, clock: SlaClock, policy: SlaPolicy,
                  now: datetime) -> None:
    hours = policy.working_hours()
    if clock.target == Target.UPDATE:
        # An update period may have paused: carry over the time used, not the wall time.
        target = (policy.minutes_for(Target.UPDATE) or 0) * 60
        left = max(0.0, target - _used_seconds(clock, now))
        if clock.status == ClockStatus.PAUSED:
            clock.remaining_seconds = left
        clock.due_at = hours.add(now, left)
        clock.warn_at = hours.add(now, max(0.0, left - target * (100 - policy.warn_at_percent)
                                           / 100))
    else:
        due = _due(policy, hours, clock.target, clock.started_at, ticket)
        assert due is not None
        clock.due_at, clock.warn_at = due, _warn_at(policy, hours, clock.started_at, due)
    clock.policy = policy
    _save(clock)
    record_clock_event(clock, SlaEventKind.RETIMED, now, f"policy {policy.name}")


def _start_missing(ticket: Ticket, policy: SlaPolicy, target: str,
                   now: datetime) -> None:
    """Start a clock the old class did not have, from when it would have started."""
    replies = Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY,
                                     author__role__in=STAFF_ROLES)
    last_reply = replies.order_by("-created_at").values_list("created_at", flat=True).first()
    from_receipt = (target == Target.ACK and last_reply is None) or (
        target == Target.RESOLVE and ticket.is_open)
    if from_receipt:
        _start(ticket, policy, target, ticket.received_at, now)
    elif target == Target.UPDATE and ticket.is_open and last_reply is not None:
        clock = _start(ticket, policy, target, last_reply, now)
        if clock is not None:
            _pause_or_resume(ticket, clock, policy, now)
    elif target == Target.ESCALATION and ticket.stage in (Stage.IN_PROGRESS, Stage.WAITING) \
            and not ticket.escalations.exists():
        _start(ticket, policy, target, now, now)
