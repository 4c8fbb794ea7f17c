"""The rule engine: on each trigger, run the enabled rules in order and record every run.

Rules act through the ticket services as the system identity, inside the transaction of
the change that triggered them, each rule in a savepoint: a rule that fails is undone and
recorded (on its run and on the ticket's timeline) and the triggering change stands.
The engine never re-enters itself for a ticket it is acting on, and a rule that keeps
acting on one ticket (a loop through the outside world, e.g. an auto-reply answering an
automatic reply) is stopped after MAX_RUNS_PER_HOUR.
"""

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.accounts.services import system_user
from opsdesk.core.config_cache import cached_config
from opsdesk.core.errors import DomainError
from opsdesk.tickets.models import Message, Ticket
from opsdesk.tickets.services import record_event

from .action_kinds import ACTIONS, describe
from .actions import ActionContext
from .conditions import describe as describe_condition
from .conditions import evaluate, facts_of
from .models import AutomationRun, AutomationStep, Rule, RunOutcome, StepKind

logger = logging.getLogger("opsdesk.automation")

# Tickets the engine is acting on in this thread: its own changes never trigger it again.
_acting_on: ContextVar[frozenset[int]] = ContextVar("automation_acting_on",
                                                    default=frozenset())
# A rule that has changed one ticket this many times within an hour is skipped there.
MAX_RUNS_PER_HOUR = 20


@dataclass
class Step:
    kind: str
    name: str
    input: dict[str, Any]
    output: dict[str, Any] = field(default_factory=dict)
    duration_ms: int = 0
    error: str = ""


@dataclass
class Pass:
    """What one trigger did: the runs recorded, and every rule whose conditions held."""

    runs: list[AutomationRun] = field(default_factory=list)
    matched: list[int] = field(default_factory=list)


def rules_for(trigger: str) -> list[Rule]:
    """The enabled rules of a trigger, in order (kept per process, see config_cache)."""
    return cached_config(f"automation.rules.{trigger}", lambda: list(
        Rule.objects.filter(trigger=trigger, enabled=True).order_by("position", "id")))


def acting_on(ticket_id: int) -> bool:
    """Whether the engine is already acting on this ticket (in this thread)."""
    return ticket_id in _acting_on.get()


def run_trigger(*, trigger: str, ticket: Ticket, message: Message | None = None,
                extra: dict[str, Any] | None = None, rules: list[Rule] | None = None,
                now: datetime | None = None) -> Pass:
    """Run the enabled rules of `trigger` (or these `rules`) on the ticket, in order.

    Never raises, and never runs for a ticket it is already acting on.
    """
    if acting_on(ticket.pk):
        return Pass()
    rules = rules_for(trigger) if rules is None else rules
    if not rules:
        return Pass()
    token = _acting_on.set(_acting_on.get() | {ticket.pk})
    try:
        with transaction.atomic():
            done = _run_rules(rules, trigger=trigger, ticket_id=ticket.pk, message=message,
                              extra=extra, now=now)
    except Exception:
        logger.exception("automation for ticket %s (%s) failed", ticket.pk, trigger)
        return Pass()
    finally:
        _acting_on.reset(token)
    if done.runs:
        ticket.refresh_from_db()  # the caller's ticket shows what the rules did
    return done


def _fresh(ticket_id: int) -> Ticket:
    return Ticket.objects.select_related("requester", "team", "assignee").get(pk=ticket_id)


def _run_rules(rules: list[Rule], *, trigger: str, ticket_id: int, message: Message | None,
               extra: dict[str, Any] | None, now: datetime | None) -> Pass:
    done = Pass()
    actor = system_user()
    ticket = _fresh(ticket_id)
    facts = facts_of(ticket, message=message, extra=extra, now=now)
    for rule in rules:
        matched, steps = evaluate_rule(rule, facts)
        if not matched:
            continue
        done.matched.append(rule.pk)
        run = _run_rule(rule, ticket, steps, trigger=trigger, actor=actor, message=message)
        if run is not None:
            done.runs.append(run)
            if run.outcome == RunOutcome.MATCHED:  # later rules see what this one did
                ticket = _fresh(ticket_id)
                facts = facts_of(ticket, message=message, extra=extra, now=now)
        if rule.stop_processing:
            break
    return done


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def evaluate_rule(rule: Rule, facts: dict[str, Any]) -> tuple[bool, list[Step]]:
    """Whether all the rule's conditions hold, with a step per condition."""
    steps = []
    for condition in rule.conditions:
        started = time.perf_counter()
        step = Step(StepKind.CONDITION, f"if {describe_condition(condition)}", condition)
        try:
            matched, seen = evaluate(condition, facts)
            step.output = {"matched": matched, **seen}
        except Exception as exc:  # a stored definition that no longer evaluates
            step.output, step.error = {"matched": False}, _message_of(exc)
        step.duration_ms = _ms(started)
        steps.append(step)
    return all(s.output["matched"] for s in steps), steps


def _message_of(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    return str(exc) or type(exc).__name__


def _run_rule(rule: Rule, ticket: Ticket, steps: list[Step], *, trigger: str, actor: User,
              message: Message | None) -> AutomationRun | None:
    """Act on a matching rule; the run, or None when its actions changed nothing."""
    started_at, started = timezone.now(), time.perf_counter()
    if _over_cap(rule, ticket, started_at):
        return _skip(rule, ticket, trigger=trigger, actor=actor, at=started_at)
    run = AutomationRun.objects.create(ticket=ticket, rule=rule, name=rule.name, trigger=trigger,
                                       actor=actor, started_at=started_at)
    ctx = ActionContext(ticket=ticket, actor=actor, trigger=trigger, run=run, message=message,
                        reason=f"automation rule “{rule.name}”")
    actions, error = _perform(rule.actions, ctx)
    if not error and not any(a.output.get("changed", True) for a in actions):
        run.delete()  # matched, but everything was already so: nothing to record
        return None
    _finish(run, [*steps, *actions], outcome=RunOutcome.FAILED if error else RunOutcome.MATCHED,
            error=error, started=started,
            result={"actions": [a.name.removeprefix("then ") for a in actions]})
    if error:
        record_event(ticket=ticket, actor=actor, event="automation_failed",
                     body=f"Automation rule “{rule.name}” failed and nothing it did was kept: "
                     f"{error}", data={"rule_id": rule.pk, "run_id": run.pk, "error": error})
    else:
        record_event(ticket=ticket, actor=actor, event="automation",
                     body=f"Automation rule “{rule.name}”: "
                     + "; ".join(a.name.removeprefix("then ") for a in actions) + ".",
                     data={"rule_id": rule.pk, "run_id": run.pk})
    return run


def _perform(specs: list[dict[str, Any]], ctx: ActionContext) -> tuple[list[Step], str]:
    """Run the actions in order in one savepoint: one failing undoes them all."""
    steps: list[Step] = []
    try:
        with transaction.atomic():
            for spec in specs:
                started = time.perf_counter()
                steps.append(Step(StepKind.ACTION, f"then {describe(spec)}", spec))
                kind = ACTIONS.get(spec.get("action", ""))
                if kind is None:
                    raise LookupError(f"unknown action {spec.get('action')!r}")
                try:
                    steps[-1].output = kind.run(replace(ctx, ticket=_fresh(ctx.ticket.pk)), spec)
                finally:
                    steps[-1].duration_ms = _ms(started)
    except Exception as exc:
        steps[-1].error = _message_of(exc)
        for step in steps[:-1]:
            step.output["undone"] = True
        return steps, f"{steps[-1].input.get('action')}: {steps[-1].error}"
    return steps, ""


def _over_cap(rule: Rule, ticket: Ticket, now: datetime) -> bool:
    recent = AutomationRun.objects.filter(rule=rule, ticket=ticket, dry_run=False,
                                          started_at__gte=now - timedelta(hours=1))
    return recent.count() >= MAX_RUNS_PER_HOUR


def _skip(rule: Rule, ticket: Ticket, *, trigger: str, actor: User,
          at: datetime) -> AutomationRun | None:
    """Record once per hour that the rule is held back on this ticket."""
    if AutomationRun.objects.filter(rule=rule, ticket=ticket, outcome=RunOutcome.SKIPPED,
                                    started_at__gte=at - timedelta(hours=1)).exists():
        return None
    error = (f"acted {MAX_RUNS_PER_HOUR} times on this ticket within an hour; "
             "held back to stop a loop")
    run = AutomationRun.objects.create(
        ticket=ticket, rule=rule, name=rule.name, trigger=trigger, actor=actor, started_at=at,
        finished_at=at, outcome=RunOutcome.SKIPPED, error=error)
    record_event(ticket=ticket, actor=actor, event="automation_skipped",
                 body=f"Automation rule “{rule.name}” {error}.",
                 data={"rule_id": rule.pk, "run_id": run.pk})
    return run


def _finish(run: AutomationRun, steps: list[Step], *, outcome: str, error: str = "",
            started: float, result: dict[str, Any]) -> None:
    AutomationStep.objects.bulk_create(
        AutomationStep(run=run, position=i, kind=s.kind, name=s.name[:200], input=s.input,
                       output=s.output, duration_ms=s.duration_ms, error=s.error)
        for i, s in enumerate(steps, start=1))
    run.outcome, run.error, run.result = outcome, error, result
    run.finished_at, run.duration_ms = timezone.now(), _ms(started)
    run.save(update_fields=["outcome", "error", "result", "finished_at", "duration_ms"])


# --- what would happen -------------------------------------------------------------

def rehearse(*, ticket: Ticket, rules: list[Rule], trigger: str, actor: User,
             message: Message | None = None,
             extra: dict[str, Any] | None = None) -> list[AutomationRun]:
    """Evaluate rules on the ticket as the engine would and record dry runs; nothing else
    changes (whatever a rehearsal touches is rolled back)."""
    decided: list[tuple[Rule, bool, list[Step], datetime, float]] = []
    token = _acting_on.set(_acting_on.get() | {ticket.pk})
    try:
        with transaction.atomic():
            facts = facts_of(_fresh(ticket.pk), message=message, extra=extra)
            for rule in rules:
                at, started = timezone.now(), time.perf_counter()
                matched, steps = evaluate_rule(rule, facts)
                if matched:
                    steps += _rehearse_actions(rule, ticket, facts, trigger=trigger, actor=actor,
                                               message=message)
                decided.append((rule, matched, steps, at, started))
                if matched and rule.stop_processing:
                    break
            transaction.set_rollback(True)
    finally:
        _acting_on.reset(token)
    return [_record_dry_run(rule, ticket, matched, steps, trigger=trigger, actor=actor, at=at,
                            started=started) for rule, matched, steps, at, started in decided]


def _rehearse_actions(rule: Rule, ticket: Ticket, facts: dict[str, Any], *, trigger: str,
                      actor: User, message: Message | None) -> list[Step]:
    ctx = ActionContext(ticket=_fresh(ticket.pk), actor=actor, trigger=trigger, message=message,
                        reason=f"automation rule “{rule.name}” (dry run)")
    steps = []
    for spec in rule.actions:
        started = time.perf_counter()
        step = Step(StepKind.ACTION, f"then {describe(spec)}", spec, {"would_run": True})
        kind = ACTIONS.get(spec.get("action", ""))
        try:
            if kind is not None and kind.rehearse is not None:
                step.output.update(kind.rehearse(ctx, spec))
            if kind is not None and kind.simulate is not None:
                kind.simulate(facts, spec)  # later rules see what this one would do
        except Exception as exc:
            step.error = _message_of(exc)
        step.duration_ms = _ms(started)
        steps.append(step)
    return steps


def _record_dry_run(rule: Rule, ticket: Ticket, matched: bool, steps: list[Step], *,
                    trigger: str, actor: User, at: datetime, started: float) -> AutomationRun:
    run = AutomationRun.objects.create(ticket=ticket, rule=rule, name=rule.name, trigger=trigger,
                                       actor=actor, started_at=at, dry_run=True)
    would = [s.name.removeprefix("then ") for s in steps if s.kind == StepKind.ACTION]
    _finish(run, steps, outcome=RunOutcome.MATCHED if matched else RunOutcome.NOT_MATCHED,
            started=started, result={"matched": matched, "actions": would,
                                     "stops_later_rules": matched and rule.stop_processing})
    return run
