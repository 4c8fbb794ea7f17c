"""Run a playbook on a ticket, recorded step by step as an automation run (kind "playbook").

    run = run_playbook("login_recovery", ticket=ticket, actor=agent, dry_run=True)
    run = retry_run(run, actor=agent)   # a failed run, again, under the same run id

A playbook is a Python procedure of named steps (`ctx.step(name, input)`), each recorded
with its input, output, duration and error. The run's `result` says what was decided and
done (`result["outcome"]`: resolved / escalated / skipped; `run.outcome` is the automation
outcome: matched, failed, skipped).

- Dry run: the playbook reads (outside systems included) and decides, and records every
  step, but changes nothing: its code makes no state-changing call, and as a safety net
  whatever it might write to the database is rolled back (only the run and its steps stay).
- Retry: a failed run is run again under the same run id, so the idempotency keys of its
  outside calls (`ctx.key("reactivate")` → "run-42:reactivate") are the same and an action
  the outside system already did is answered from its record, not done twice. Steps of
  each attempt are appended after the earlier ones. Two retries at once: one runs, the
  other is refused.
"""

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.accounts.services import system_user
from opsdesk.automation.models import AutomationRun, AutomationStep, RunOutcome, StepKind
from opsdesk.core.errors import Conflict, DomainError, NotFound
from opsdesk.tickets.models import Ticket

logger = logging.getLogger("opsdesk.playbooks")

KIND = "playbook"
# A run still "running" this long after its attempt started was cut short (a worker that
# died): it may be retried like a failed one.
STALE_AFTER = timedelta(minutes=10)


@dataclass
class Outcome:
    """What a playbook's attempt came to."""

    run_outcome: str  # a RunOutcome value
    result: dict[str, Any]
    error: str = ""


def message_of(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    text = getattr(exc, "message", None) or str(exc)
    return text if isinstance(text, str) and text else type(exc).__name__


@dataclass
class PlaybookRun:
    """What a playbook works with: its run, the steps it records, keys for outside calls."""

    run: AutomationRun
    attempt: int
    requested_by: User | None  # who started (or retried) it; None for the system
    previous: dict[str, Any]  # the result of the earlier attempts ({} on the first)
    system: User = field(default_factory=system_user)  # the identity that changes tickets
    pending: list[AutomationStep] = field(default_factory=list)
    next_position: int = 1

    @property
    def dry_run(self) -> bool:
        return self.run.dry_run

    def key(self, action: str) -> str:
        """The idempotency key of an outside action: the same on every attempt of this run."""
        return f"run-{self.run.pk}:{action}"

    @contextmanager
    def step(self, name: str, data: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Record a step: yields its output to fill; an exception is recorded and re-raised."""
        record = AutomationStep(run=self.run, position=self.next_position, kind=StepKind.STEP,
                                name=name[:200], input=data or {}, output={})
        self.next_position += 1
        self.pending.append(record)
        started = time.perf_counter()
        try:
            yield record.output
        except Exception as exc:
            record.error = message_of(exc)
            raise
        finally:
            record.duration_ms = round((time.perf_counter() - started) * 1000)

    def flush(self) -> None:
        """Store the steps recorded so far (a dry run stores them once it is over)."""
        if self.pending and not self.dry_run:
            self._write()

    def remember(self, **values: Any) -> None:
        """Store values in the run's result now, before an outside call (a real run)."""
        self.previous = {**self.previous, **values}
        if not self.dry_run:
            AutomationRun.objects.filter(pk=self.run.pk).update(result=self.previous)

    def _write(self) -> None:
        AutomationStep.objects.bulk_create(self.pending)
        self.pending = []


class Playbook(ABC):
    """A named procedure that works a ticket; declared in `catalog.PLAYBOOKS`."""

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    # Minutes a person takes to do the fix by hand (metrics); None: OPSDESK_MANUAL_FIX_MINUTES.
    manual_fix_minutes: ClassVar[int | None] = None

    @abstractmethod
    def applies_to(self, ticket: Ticket) -> bool:
        """Cheap check (no outside call): whether running it on this ticket may do anything."""

    @abstractmethod
    def execute(self, ctx: PlaybookRun, ticket: Ticket) -> Outcome:
        """Work the ticket, recording each step in `ctx`; must change nothing in a dry run."""


def playbook_named(name: str) -> Playbook:
    """The playbook of this name ("login-recovery" is "login_recovery"); NotFound otherwise."""
    from .catalog import PLAYBOOKS  # the playbooks are built on this module

    found = PLAYBOOKS.get(name.strip().replace("-", "_"))
    if found is None:
        raise NotFound(f"No playbook {name!r}; there are {', '.join(sorted(PLAYBOOKS))}.")
    return found


def _fresh(ticket_id: int) -> Ticket:
    return Ticket.objects.select_related("requester", "team", "assignee").get(pk=ticket_id)


def run_playbook(name: str, *, ticket: Ticket, actor: User | None = None, dry_run: bool = False,
                 trigger: str = "manual", parent: AutomationRun | None = None,
                 job_id: str = "") -> AutomationRun:
    """Run a playbook on the ticket now and return its recorded run (never raises for what
    the playbook meets: failures are recorded on the run)."""
    playbook = playbook_named(name)
    run = AutomationRun.objects.create(
        ticket=ticket, parent=parent, kind=KIND, name=playbook.name, trigger=trigger[:20],
        dry_run=dry_run, actor=actor or system_user(), outcome=RunOutcome.RUNNING,
        result={"attempts": 1}, job_id=job_id)
    return _attempt(playbook, run, attempt=1, requested_by=actor, previous={})


def retryable(run: AutomationRun) -> bool:
    """Whether the run may be retried: a real playbook run that failed (or was cut short)."""
    if run.kind != KIND or run.dry_run:
        return False
    if run.outcome == RunOutcome.FAILED:
        return True
    return run.outcome == RunOutcome.RUNNING and _attempt_started(run) < timezone.now() - \
        STALE_AFTER


def _attempt_started(run: AutomationRun) -> Any:
    from django.utils.dateparse import parse_datetime

    started = parse_datetime(str(run.result.get("attempt_started_at") or ""))
    return started or run.started_at


def retry_run(run: AutomationRun, *, actor: User | None = None) -> AutomationRun:
    """Run a failed playbook run again, under the same id (so the same idempotency keys)."""
    if run.kind != KIND:
        raise Conflict("Only playbook runs can be retried; a rule runs again when its "
                       "trigger happens again.", fields={"run": "not a playbook run"})
    if run.dry_run:
        raise Conflict("A dry run changes nothing: run the playbook instead of retrying it.",
                       fields={"run": "dry run"})
    if not retryable(run):
        raise Conflict(f"Run {run.pk} is {run.get_outcome_display().lower()}: only a failed "
                       "run can be retried.", fields={"run": run.outcome})
    playbook = playbook_named(run.name)
    attempts = int(run.result.get("attempts", 1))
    # Claim the run: of two retries at once, only the first finds it as it was.
    claimed = AutomationRun.objects.filter(
        pk=run.pk, outcome=run.outcome, result__attempts=attempts,
    ).update(outcome=RunOutcome.RUNNING, finished_at=None, result={
        **run.result, "attempts": attempts + 1, "attempt_started_at": timezone.now().isoformat()})
    if not claimed:
        raise Conflict(f"Run {run.pk} is being retried already.", fields={"run": "running"})
    run.refresh_from_db()
    return _attempt(playbook, run, attempt=attempts + 1, requested_by=actor,
                    previous=dict(run.result))


def _attempt(playbook: Playbook, run: AutomationRun, *, attempt: int,
             requested_by: User | None, previous: dict[str, Any]) -> AutomationRun:
    started, started_at = time.perf_counter(), timezone.now()
    last = run.steps.aggregate(last=Max("position"))["last"] or 0
    ctx = PlaybookRun(run=run, attempt=attempt, requested_by=requested_by,
                      previous={**previous, "attempts": attempt,
                                "attempt_started_at": started_at.isoformat()},
                      next_position=last + 1)
    if attempt > 1:
        with ctx.step(f"attempt {attempt}: retry", {
                "attempt": attempt, "previous_error": run.error,
                "by": requested_by.email if requested_by else "system"}) as out:
            out["idempotency_keys"] = "the same as the earlier attempts"
    try:
        ticket = _fresh(run.ticket_id)
        if run.dry_run:
            with transaction.atomic():  # a safety net: a dry run leaves nothing behind
                outcome = playbook.execute(ctx, ticket)
                transaction.set_rollback(True)
        else:
            outcome = playbook.execute(ctx, ticket)
    except Exception as exc:  # a bug or a broken database: recorded, and the run can be retried
        logger.exception("playbook %s on ticket %s failed", playbook.name, run.ticket_id)
        error = message_of(exc)
        outcome = Outcome(RunOutcome.FAILED, {**ctx.previous, "outcome": "failed",
                                              "error": error, "retryable": True}, error)
    if ctx.pending:
        ctx._write()
    run.outcome, run.error = outcome.run_outcome, outcome.error
    run.result = {**outcome.result, "attempts": attempt,
                  "attempt_started_at": started_at.isoformat()}
    run.finished_at = timezone.now()
    run.duration_ms = round((time.perf_counter() - started) * 1000)
    run.save(update_fields=["outcome", "error", "result", "finished_at", "duration_ms"])
    return run
