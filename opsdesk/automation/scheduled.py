"""Scheduled rules: each minute, act on the open tickets a scheduled rule matches.

A rule acts on a ticket at most once every `repeat_after_minutes` (ScheduledMark). Workers
share the work: each ticket is claimed with a row lock (SKIP LOCKED) for its pass.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from opsdesk.tickets.models import OPEN_STAGES, Ticket

from .conditions import prefilter
from .engine import rules_for, run_trigger
from .models import Rule, ScheduledMark, Trigger

BATCH = 200  # tickets per rule per pass; the rest wait for the next minute


def run_scheduled_rules(now: datetime | None = None) -> int:
    """One pass of every enabled scheduled rule; returns how many rules matched a ticket."""
    now = now or timezone.now()
    rules = rules_for(Trigger.SCHEDULED)
    candidates = sorted({pk for rule in rules for pk in _candidates(rule, now)})
    return sum(_pass(ticket_id, rules, now) for ticket_id in candidates)


def _quiet_since(rule: Rule, now: datetime) -> datetime:
    return now - timedelta(minutes=rule.repeat_after_minutes)


def _candidates(rule: Rule, now: datetime) -> list[int]:
    recent = ScheduledMark.objects.filter(rule=rule, ticket=OuterRef("pk"),
                                          acted_at__gt=_quiet_since(rule, now))
    tickets = (Ticket.objects.filter(stage__in=OPEN_STAGES)
               .filter(prefilter(rule.conditions, now)).exclude(Exists(recent)))
    return list(tickets.order_by("pk").values_list("pk", flat=True)[:BATCH])


def _pass(ticket_id: int, rules: list[Rule], now: datetime) -> int:
    with transaction.atomic():
        ticket = (Ticket.objects.select_for_update(skip_locked=True, no_key=True)
                  .filter(pk=ticket_id, stage__in=OPEN_STAGES).first())
        if ticket is None:  # another worker has it, or it was closed meanwhile
            return 0
        marks = dict(ScheduledMark.objects.filter(ticket=ticket, rule__in=rules)
                     .values_list("rule_id", "acted_at"))
        due = [r for r in rules if marks.get(r.pk) is None
               or marks[r.pk] <= _quiet_since(r, now)]
        done = run_trigger(trigger=Trigger.SCHEDULED, ticket=ticket, rules=due, now=now)
        for rule_id in done.matched:
            ScheduledMark.objects.update_or_create(rule_id=rule_id, ticket=ticket,
                                                   defaults={"acted_at": now})
    return len(done.matched)
