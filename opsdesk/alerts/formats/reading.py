"""The shape every payload is read into, and the checks the readers share."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from opsdesk.alerts.models import AlertStatus
from opsdesk.core.errors import InvalidInput

KEY_LENGTH = 255
TITLE_LENGTH = 300


@dataclass(frozen=True)
class ParsedAlert:
    """One alert as a monitoring system reports it: firing or resolved, under its key."""

    key: str
    status: AlertStatus
    title: str
    severity: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    description: str = ""
    group_key: str = ""
    components: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def firing(self) -> bool:
        return self.status == AlertStatus.FIRING


def invalid(where: str, reason: str) -> InvalidInput:
    """The error for a payload that cannot be read, naming the field at fault."""
    return InvalidInput(f"The alert cannot be read: {where} {reason}.", fields={where: reason})


def mapping(value: Any, where: str) -> dict[str, Any]:
    """`value` as a JSON object."""
    if not isinstance(value, dict):
        raise invalid(where, "must be an object")
    return value


def text(obj: dict[str, Any], name: str, where: str, *, required: bool = False) -> str:
    """`obj[name]` as a string ('' when absent and not required); numbers are read as text."""
    value = obj.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if value is None or value == "":
        if required:
            raise invalid(where, "is required")
        return ""
    if not isinstance(value, str):
        raise invalid(where, "must be a string")
    return value.strip()


def labels(value: Any, where: str) -> dict[str, str]:
    """A map of names to strings (Alertmanager's labels and annotations)."""
    if value is None:
        return {}
    found = mapping(value, where)
    if not all(isinstance(v, str) for v in found.values()):
        raise invalid(where, "must map names to strings")
    return found


def timestamp(value: Any, where: str) -> datetime | None:
    """An RFC 3339 time; None when absent or Go's zero time (year 1: "not set")."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise invalid(where, "must be an RFC 3339 time")
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise invalid(where, "must be an RFC 3339 time with its offset")
    return None if parsed.year <= 1 else parsed


def unix_time(value: str, where: str) -> datetime | None:
    """Seconds since 1970 (as text); None when empty."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise invalid(where, "must be a Unix time in seconds") from None


def key_of(value: str, where: str) -> str:
    """A key that fits its column: a client's own key is refused when too long."""
    if len(value) > KEY_LENGTH:
        raise invalid(where, f"must be at most {KEY_LENGTH} characters")
    return value


def fitted(value: str) -> str:
    """A grouping value that fits its column: a long one is stood for by its digest."""
    return value if len(value) <= KEY_LENGTH else f"sha256:{digest(value)}"


def digest(*parts: Any) -> str:
    """A stable short key for what has no identity of its own (e.g. a set of labels)."""
    raw = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def title_of(*candidates: str) -> str:
    """The first non-empty candidate, cut to fit a title."""
    title = next((c for c in candidates if c), "Alert")
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"
