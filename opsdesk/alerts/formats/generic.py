"""opsdesk's own alert form (API.md): `{source, key, status, title, severity, details}`.

`source` names the system that sent it (kept in the details); the secret says which
alert source it is. Optional: `started_at`/`ended_at` (RFC 3339), `group` (alerts that
belong to one incident) and `components` (names of status-page components).
"""

from typing import Any

from opsdesk.alerts.models import AlertStatus

from .reading import ParsedAlert, fitted, invalid, key_of, mapping, text, timestamp, title_of

SEVERITY_LENGTH = 30


def parse(payload: Any) -> list[ParsedAlert]:
    """The alert of one generic notification, or of each in a list."""
    if isinstance(payload, list):
        return [_alert(raw, f"{i}.") for i, raw in enumerate(payload)]
    return [_alert(payload, "")]


def _alert(raw: Any, at: str) -> ParsedAlert:
    alert = mapping(raw, at.rstrip(".") or "body")
    status = text(alert, "status", f"{at}status", required=True)
    if status not in AlertStatus.values:
        raise invalid(f"{at}status", "must be firing or resolved")
    severity = text(alert, "severity", f"{at}severity")
    if len(severity) > SEVERITY_LENGTH:
        raise invalid(f"{at}severity", f"must be at most {SEVERITY_LENGTH} characters")
    details = alert.get("details") or {}
    if not isinstance(details, dict):
        raise invalid(f"{at}details", "must be an object")
    components = alert.get("components") or []
    if not isinstance(components, list) or not all(isinstance(c, str) for c in components):
        raise invalid(f"{at}components", "must be a list of names")
    sender = text(alert, "source", f"{at}source")
    return ParsedAlert(
        key=key_of(text(alert, "key", f"{at}key", required=True), f"{at}key"),
        status=AlertStatus(status),
        title=title_of(text(alert, "title", f"{at}title", required=True)),
        severity=severity,
        started_at=timestamp(alert.get("started_at"), f"{at}started_at"),
        ended_at=timestamp(alert.get("ended_at"), f"{at}ended_at"),
        description=text(alert, "description", f"{at}description"),
        group_key=fitted(text(alert, "group", f"{at}group")),
        components=tuple(components),
        details={**({"source": sender} if sender else {}), **details},
    )
