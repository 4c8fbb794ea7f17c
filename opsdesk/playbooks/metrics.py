"""What automation did over a period: runs per outcome, how many login-recovery tickets the
playbook resolved on its own, and the time that saved the desk.

- runs per outcome: real runs (not dry runs) started in the period, by kind (rule,
  playbook) and outcome (matched, failed, skipped, …); playbook runs also by what they
  came to (resolved, escalated, skipped, failed);
- auto-resolution rate: of the login-recovery tickets created in the period (tickets the
  playbook worked: it recognised a sign-in / account request and did not skip it), the
  share it resolved without a person — started by an event or a rule (not by hand) and
  resolved on its first attempt (a retry is asked for by a person);
- time saved: the playbook runs of the period that fixed the problem themselves (result
  "resolved", whoever started them) × the minutes a person takes to fix one by hand
  (the playbook's `manual_fix_minutes`, else OPSDESK_MANUAL_FIX_MINUTES, default 15).
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from opsdesk.automation.models import AutomationRun
from opsdesk.core.errors import InvalidInput

from .catalog import PLAYBOOKS

LOGIN_RECOVERY = "login_recovery"
WORKED = ("resolved", "escalated", "failed")  # the playbook got past detection


@dataclass
class AutomationMetrics:
    since: datetime | None
    until: datetime | None
    runs: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → outcome → runs
    playbook_results: dict[str, dict[str, int]] = field(default_factory=dict)  # name → …
    login_recovery_tickets: int = 0
    auto_resolved_tickets: int = 0
    fixed_runs: int = 0
    minutes_saved: int = 0
    minutes_per_fix: dict[str, int] = field(default_factory=dict)

    @property
    def auto_resolution_rate(self) -> float | None:
        """Share (0–1) of login-recovery tickets resolved with no person; None: none yet."""
        if not self.login_recovery_tickets:
            return None
        return self.auto_resolved_tickets / self.login_recovery_tickets

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.since, "to": self.until, "runs": self.runs,
                "playbook_results": self.playbook_results,
                "login_recovery_tickets": self.login_recovery_tickets,
                "auto_resolved_tickets": self.auto_resolved_tickets,
                "auto_resolution_rate": self.auto_resolution_rate,
                "fixed_runs": self.fixed_runs, "minutes_per_fix": self.minutes_per_fix,
                "minutes_saved": self.minutes_saved}


def minutes_per_manual_fix(name: str) -> int:
    """Minutes a person takes to do by hand what this playbook fixes."""
    own = getattr(PLAYBOOKS.get(name), "manual_fix_minutes", None)
    return int(own if own is not None else getattr(settings, "OPSDESK_MANUAL_FIX_MINUTES", 15))


def _moment(text: str, name: str, *, end: bool) -> datetime:
    """A date ("2026-11-30": the start of that day, or its end for `to`) or a date-time."""
    try:
        day = parse_date(text)  # before parse_datetime, which reads a date as its midnight
        moment = None if day else parse_datetime(text)
    except ValueError:
        moment = day = None
    if day is not None:
        moment = datetime.combine(day + timedelta(days=1 if end else 0), time.min)
    if moment is None:
        raise InvalidInput(f"{name!r} must be a date (2026-11-30) or a date and time "
                           "(2026-11-30T08:00:00+07:00).", fields={name: "not a date"})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def period(*, start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """The period [since, until) of `from` and `to` as typed (`to` as a date is inclusive)."""
    since = _moment(start, "from", end=False) if start else None
    until = _moment(end, "to", end=True) if end else None
    if since and until and since >= until:
        raise InvalidInput("'from' must come before 'to'.", fields={"to": "before from"})
    return since, until


def _between(runs: QuerySet[AutomationRun], lookup: str, since: datetime | None,
             until: datetime | None) -> QuerySet[AutomationRun]:
    if since is not None:
        runs = runs.filter(**{f"{lookup}__gte": since})
    if until is not None:
        runs = runs.filter(**{f"{lookup}__lt": until})
    return runs


def automation_metrics(*, since: datetime | None = None,
                       until: datetime | None = None) -> AutomationMetrics:
    """Automation's figures for runs started (tickets created) in [since, until)."""
    found = AutomationMetrics(since=since, until=until)
    real = _between(AutomationRun.objects.filter(dry_run=False), "started_at", since, until)
    for row in real.order_by().values("kind", "outcome").annotate(n=Count("id")):
        found.runs.setdefault(row["kind"], {})[row["outcome"]] = row["n"]
    playbook_runs = real.filter(kind="playbook")
    for result in (playbook_runs.order_by().values("name", "result__outcome")
                   .annotate(n=Count("id"))):
        outcome = str(result["result__outcome"] or "running")
        found.playbook_results.setdefault(result["name"], {})[outcome] = result["n"]
    fixed = playbook_runs.filter(result__outcome="resolved")
    for fixes in fixed.order_by().values("name").annotate(n=Count("id")):
        minutes = minutes_per_manual_fix(fixes["name"])
        found.minutes_per_fix[fixes["name"]] = minutes
        found.fixed_runs += fixes["n"]
        found.minutes_saved += fixes["n"] * minutes
    _login_recovery_tickets(found, since, until)
    return found


def _login_recovery_tickets(found: AutomationMetrics, since: datetime | None,
                            until: datetime | None) -> None:
    worked = _between(AutomationRun.objects.filter(dry_run=False, kind="playbook",
                                                   name=LOGIN_RECOVERY,
                                                   result__outcome__in=WORKED),
                      "ticket__created_at", since, until)
    by_ticket = worked.order_by().values("ticket_id").annotate(
        alone=Count("id", filter=Q(result__outcome="resolved", result__attempts=1)
                    & ~Q(trigger="manual")))
    found.login_recovery_tickets = by_ticket.count()
    found.auto_resolved_tickets = by_ticket.filter(alone__gt=0).count()
