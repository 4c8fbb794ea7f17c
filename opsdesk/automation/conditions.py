"""Rule conditions: what they may compare, how they are checked, how they match a ticket.

A condition is ``{"field": "cos", "op": "eq", "value": "expedite"}``; text fields take
``"ignore_accents": true`` to match without diacritics; ``{"any": [...]}`` matches when one
of its conditions does. A rule's conditions must all match (an empty list always does).
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from opsdesk.accounts.models import Language, RequesterRole
from opsdesk.sla.models import Target
from opsdesk.tickets.models import Channel, Cos, Message, Scope, Stage, Ticket, WaitingReason

from . import text
from .definition import DefinitionError, check_list, check_staff, check_team, unknown_keys

EQUALITY = ("eq", "ne", "in", "not_in")
ORDER = (*EQUALITY, "gt", "gte", "lt", "lte")
OPS = {"choice": EQUALITY, "team": EQUALITY, "staff": EQUALITY, "number": ORDER,
       "hours": ("gt", "gte", "lt", "lte"), "bool": ("eq", "ne"),
       "text": ("contains", "not_contains", "matches"), "tags": ("has", "not_has")}


@dataclass(frozen=True)
class FieldSpec:
    kind: str
    choices: tuple[Any, ...] = ()
    lookup: str = ""  # where the field lives, for pre-filtering scheduled rules in SQL
    low: float | None = None
    high: float | None = None
    trigger: str = ""  # known only on rules of this trigger


def _choice(values: Any, lookup: str, *extra: str, trigger: str = "") -> FieldSpec:
    return FieldSpec("choice", (*values, *extra), lookup, trigger=trigger)


FIELDS: dict[str, FieldSpec] = {
    "cos": _choice(Cos.values, "cos"),
    "stage": _choice(Stage.values, "stage"),
    "waiting_reason": _choice(WaitingReason.values, "waiting_reason", ""),
    "channel": _choice(Channel.values, "channel"),
    "language": _choice(Language.values, "language"),
    "scope": _choice(Scope.values, "scope", ""),
    "requester_role": _choice(RequesterRole.values, "requester__requester_role", ""),
    "sla_target": _choice(Target.values, "", trigger="sla_warning"),
    "team": FieldSpec("team", lookup="team__name"),
    "assignee": FieldSpec("staff", lookup="assignee__email"),
    "priority": FieldSpec("number", lookup="priority", low=0, high=3),
    "affected_users": FieldSpec("number", lookup="affected_users", low=0),
    "failure_rate": FieldSpec("number", lookup="failure_rate", low=0, high=1),
    "blocking": FieldSpec("bool", lookup="blocking"),
    "critical_function": FieldSpec("bool", lookup="critical_function"),
    "hours_since_created": FieldSpec("hours", lookup="created_at", low=0),
    "hours_since_updated": FieldSpec("hours", lookup="updated_at", low=0),
    "tags": FieldSpec("tags"),
    "text": FieldSpec("text"),  # title + description (+ the message on message_received)
    "title": FieldSpec("text"),
    "description": FieldSpec("text"),
    "message": FieldSpec("text", trigger="message_received"),
}
CONDITION_KEYS = frozenset({"field", "op", "value", "ignore_accents"})


# --- checking a definition ----------------------------------------------------------

def validate_conditions(raw: Any, trigger: str) -> list[DefinitionError]:
    """Every problem in a rule's conditions, each naming where it is."""
    return check_list("conditions", raw, "conditions",
                      lambda path, item: _validate(path, item, trigger))


def _validate(path: str, raw: Any, trigger: str) -> None:
    if not isinstance(raw, dict):
        raise DefinitionError(path, 'a condition is an object such as '
                              '{"field": "cos", "op": "eq", "value": "expedite"}')
    if "any" in raw:
        unknown_keys(path, raw, {"any"})
        if not isinstance(raw["any"], list) or not raw["any"]:
            raise DefinitionError(f"{path}.any", "must be a non-empty list of conditions")
        for i, item in enumerate(raw["any"]):
            _validate(f"{path}.any[{i}]", item, trigger)
        return
    unknown_keys(path, raw, CONDITION_KEYS)
    field, op = raw.get("field"), raw.get("op")
    spec = FIELDS.get(field) if isinstance(field, str) else None
    if spec is None:
        raise DefinitionError(f"{path}.field",
                              f"unknown field {field!r}; use {', '.join(sorted(FIELDS))}")
    if spec.trigger and spec.trigger != trigger:
        raise DefinitionError(f"{path}.field", f"{field} is known only on {spec.trigger} rules")
    if op not in OPS[spec.kind]:
        raise DefinitionError(f"{path}.op", f"unknown operator {op!r} for {field}; "
                              f"use {', '.join(OPS[spec.kind])}")
    if "ignore_accents" in raw and (spec.kind != "text"
                                    or not isinstance(raw["ignore_accents"], bool)):
        raise DefinitionError(f"{path}.ignore_accents", "true or false, on text fields only")
    if "value" not in raw:
        raise DefinitionError(f"{path}.value", "required")
    try:
        _check_value(spec, op, raw["value"])
    except ValueError as exc:
        raise DefinitionError(f"{path}.value", str(exc)) from exc


def _check_value(spec: FieldSpec, op: str, value: Any) -> None:
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"{op} needs a non-empty list")
        for item in value:
            _check_one(spec, item)
    elif spec.kind == "text":
        _check_text(op, value)
    else:
        _check_one(spec, value)


def _check_one(spec: FieldSpec, value: Any) -> None:
    if spec.kind == "choice" and value not in spec.choices:
        raise ValueError(f"{value!r} is not one of {', '.join(map(repr, spec.choices))}")
    if spec.kind in ("number", "hours"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{value!r} is not a number")
        if (spec.low is not None and value < spec.low) or (
                spec.high is not None and value > spec.high):
            raise ValueError(f"{value} is outside {spec.low:g} to "
                             f"{'any' if spec.high is None else f'{spec.high:g}'}")
    if spec.kind == "bool" and not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    if spec.kind == "team":
        check_team(value)
    if spec.kind == "staff":
        check_staff(value)
    if spec.kind == "tags" and (not isinstance(value, str) or not 0 < len(value.strip()) <= 64):
        raise ValueError("a tag name of 1 to 64 characters")


def _check_text(op: str, value: Any) -> None:
    if op == "matches":
        if not isinstance(value, str) or not value:
            raise ValueError("a regular expression")
        try:
            text.compile_pattern(value)
        except Exception as exc:  # re.error, or an overflow on a huge repeat count
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return
    words = value if isinstance(value, list) else [value]
    if not words or not all(isinstance(w, str) and w.strip() for w in words):
        raise ValueError("a word or phrase, or a list of them (any one matches)")


# --- matching a ticket -------------------------------------------------------------

def facts_of(ticket: Ticket, *, message: Message | None = None,
             extra: dict[str, Any] | None = None, now: datetime | None = None) -> dict[str, Any]:
    """What conditions look at, read once from the ticket."""
    now = now or timezone.now()
    body = message.body if message is not None else ""
    return {
        **{f: getattr(ticket, f) for f in ("cos", "stage", "waiting_reason", "channel",
                                           "language", "scope", "priority", "affected_users",
                                           "failure_rate", "blocking", "critical_function")},
        "requester_role": ticket.requester.requester_role,
        "team": ticket.team.name if ticket.team else None,
        "assignee": ticket.assignee.email if ticket.assignee else None,
        "hours_since_created": (now - ticket.created_at).total_seconds() / 3600,
        "hours_since_updated": (now - ticket.updated_at).total_seconds() / 3600,
        "tags": {text.normalise(t.name) for t in ticket.tags.all()},
        "title": ticket.title, "description": ticket.description, "message": body,
        "text": "\n".join(p for p in (ticket.title, ticket.description, body) if p),
        "sla_target": None,
        **(extra or {}),
    }


def evaluate(condition: dict[str, Any], facts: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Whether the condition holds, and what it saw (never the ticket's text itself)."""
    if "any" in condition:
        results = [evaluate(c, facts) for c in condition["any"]]
        return any(m for m, _ in results), {"any": [{"matched": m, **d} for m, d in results]}
    field, op, value = condition["field"], condition["op"], condition["value"]
    kind = FIELDS[field].kind
    if kind == "text":
        return _text(op, value, facts[field], bool(condition.get("ignore_accents")))
    if kind == "tags":
        has = text.normalise(value) in facts["tags"]
        return has == (op == "has"), {"tags": sorted(facts["tags"])}
    actual = facts[field]
    return _compare(op, _comparable(actual), _comparable(value)), {"actual": actual}


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return text.normalise(value) if isinstance(value, str) else value


def _compare(op: str, actual: Any, value: Any) -> bool:
    if op in ("eq", "ne"):
        return (actual == value) == (op == "eq")
    if op in ("in", "not_in"):
        return (actual in value) == (op == "in")
    if actual is None:
        return False
    return {"gt": actual > value, "gte": actual >= value, "lt": actual < value,
            "lte": actual <= value}[op]


def _text(op: str, value: Any, haystack: str, ignore_accents: bool) -> tuple[bool, dict[str, Any]]:
    if op == "matches":
        found = text.search(value, haystack, ignore_accents=ignore_accents)
        return found is not None, {"found": found[:100] if found else None}
    words = value if isinstance(value, list) else [value]
    hit = next((w for w in words if text.find(w, haystack, ignore_accents=ignore_accents)), None)
    return (hit is not None) == (op == "contains"), {"found": hit}


def describe(condition: dict[str, Any]) -> str:
    """The condition in a line: ``cos eq "expedite"``."""
    if "any" in condition:
        return "any of (" + "; ".join(describe(c) for c in condition["any"]) + ")"
    accents = " (ignoring accents)" if condition.get("ignore_accents") else ""
    value = json.dumps(condition.get("value"), ensure_ascii=False)
    return f"{condition.get('field')} {condition.get('op')} {value}{accents}"


# --- narrowing the tickets a scheduled rule looks at -------------------------------

def prefilter(conditions: list[dict[str, Any]], now: datetime) -> Q:
    """A SQL filter no wider than the conditions; the conditions still decide (in Python)."""
    q = Q()
    for condition in conditions:
        part = _q(condition, now)
        if part is not None:
            q &= part
    return q


def _q(condition: dict[str, Any], now: datetime) -> Q | None:
    if "any" in condition:
        parts = [_q(c, now) for c in condition["any"]]
        known = [p for p in parts if p is not None]
        return _any(known) if len(known) == len(parts) else None
    spec, op, value = FIELDS[condition["field"]], condition["op"], condition["value"]
    if spec.kind == "tags":
        tagged = Ticket.tags.through.objects.filter(tag__name__iexact=value.strip())
        inside = Q(pk__in=tagged.values("ticket_id"))
        return inside if op == "has" else ~inside
    if spec.kind == "hours":  # older than N hours: the timestamp is before now - N
        flipped = {"gt": "lt", "gte": "lte", "lt": "gt", "lte": "gte"}[op]
        return Q(**{f"{spec.lookup}__{flipped}": now - timedelta(hours=value)})
    # Negations are left to Python: SQL's NULL makes them easy to get subtly wrong.
    if not spec.lookup or op in ("ne", "not_in") or spec.kind == "text":
        return None
    if spec.kind in ("team", "staff"):
        values = value if op == "in" else [value]
        return _any([Q(**{f"{spec.lookup.split('__')[0]}__isnull": True}) if v is None
                     else Q(**{f"{spec.lookup}__iexact": v}) for v in values])
    suffix = "" if op == "eq" else f"__{op}"
    return Q(**{f"{spec.lookup}{suffix}": value})


def _any(parts: list[Q]) -> Q:
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined
