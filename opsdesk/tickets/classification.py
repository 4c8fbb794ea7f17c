"""Class of Service: which class a ticket's impact puts it in, and why, in one sentence."""

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from opsdesk.core.config_cache import cached_config

from .models import Cos, CosRule

RATIONALE_PLACEHOLDERS = ("users", "failure", "function", "due", "tag")


@dataclass(frozen=True)
class ImpactFacts:
    """What classification looks at."""

    affected_users: int = 1
    blocking: bool = False
    critical_function: bool = False
    critical_function_label: str = ""
    failure_rate: float | None = None
    due_at: datetime | None = None
    tags: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Decision:
    cos: str
    rationale: str


def rule_matches(rule: CosRule, facts: ImpactFacts) -> bool:
    """Whether every condition the rule sets holds for these facts."""
    users = facts.affected_users
    checks = (
        rule.min_users is None or users >= rule.min_users,
        rule.max_users is None or users <= rule.max_users,
        not rule.needs_critical_function or facts.critical_function,
        rule.min_failure_rate is None
        or (facts.failure_rate is not None and facts.failure_rate >= rule.min_failure_rate),
        not rule.needs_blocking or facts.blocking,
        not rule.needs_due_date or facts.due_at is not None,
        not rule.tag or rule.tag.lower() in facts.tags,
    )
    return all(checks)


def render_rationale(template: str, values: Mapping[str, str]) -> str:
    """Fill a rule's rationale sentence."""
    return template.format_map(values)


def unknown_placeholders(template: str) -> list[str]:
    """Placeholders in a rationale that are not plain known names ({users}, not {users.x})."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        return [str(exc)]
    return [name for name in fields if name not in RATIONALE_PLACEHOLDERS]


def _values(facts: ImpactFacts, rule: CosRule) -> dict[str, str]:
    rate = facts.failure_rate
    return {
        "users": str(facts.affected_users),
        "failure": f"{round(rate * 100):g} %" if rate is not None else "unknown",
        "function": f" {facts.critical_function_label}" if facts.critical_function_label else "",
        "due": timezone.localtime(facts.due_at).date().isoformat() if facts.due_at else "",
        "tag": rule.tag,
    }


def classify(facts: ImpactFacts, rules: Iterable[CosRule]) -> Decision:
    """The class of the first matching rule, explained by every matching rule of that class."""
    matching = [r for r in rules if r.enabled and rule_matches(r, facts)]
    if not matching:
        return Decision(Cos.STANDARD, "no rule matched; Standard by default")
    cos = matching[0].cos
    reasons = [render_rationale(r.rationale, _values(facts, r)) for r in matching if r.cos == cos]
    return Decision(cos, "; ".join(dict.fromkeys(reasons)))


def active_rules() -> list[CosRule]:
    """The stored rules, in evaluation order."""
    return cached_config("tickets.cos_rules", lambda: list(
        CosRule.objects.filter(enabled=True).order_by("position", "id")))
