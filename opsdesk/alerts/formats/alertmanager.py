"""Prometheus Alertmanager's webhook (version 4): a group of alerts, firing or resolved.

Each alert's key is its fingerprint (a hash of its labels, the same in every notification);
without one, a digest of the group key and the labels stands in for it.
"""

from typing import Any

from opsdesk.alerts.models import AlertStatus

from .reading import (
    ParsedAlert,
    digest,
    fitted,
    invalid,
    key_of,
    labels,
    mapping,
    text,
    timestamp,
    title_of,
)

COMPONENT_LABELS = ("service", "component")


def parse(payload: Any) -> list[ParsedAlert]:
    """The alerts of one Alertmanager notification."""
    body = mapping(payload, "body")
    if text(body, "version", "version") != "4":
        raise invalid("version", "must be \"4\" (Alertmanager's webhook format)")
    group_key = text(body, "groupKey", "groupKey")
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise invalid("alerts", "must be a list")
    return [_alert(raw, f"alerts.{i}", group_key) for i, raw in enumerate(alerts)]


def _alert(raw: Any, where: str, group_key: str) -> ParsedAlert:
    alert = mapping(raw, where)
    status = text(alert, "status", f"{where}.status", required=True)
    if status not in AlertStatus.values:
        raise invalid(f"{where}.status", "must be firing or resolved")
    names = labels(alert.get("labels"), f"{where}.labels")
    notes = labels(alert.get("annotations"), f"{where}.annotations")
    fingerprint = text(alert, "fingerprint", f"{where}.fingerprint")
    key = key_of(fingerprint, f"{where}.fingerprint") if fingerprint else \
        f"labels:{digest(group_key, names)}"
    return ParsedAlert(
        key=key,
        status=AlertStatus(status),
        title=title_of(notes.get("summary", ""), notes.get("title", ""),
                       names.get("alertname", ""), _label_text(names)),
        severity=names.get("severity", ""),
        started_at=timestamp(alert.get("startsAt"), f"{where}.startsAt"),
        ended_at=timestamp(alert.get("endsAt"), f"{where}.endsAt"),
        description=notes.get("description", ""),
        group_key=fitted(group_key),
        components=tuple(names[n] for n in COMPONENT_LABELS if names.get(n)),
        details={"labels": names, "annotations": notes,
                 "generator_url": text(alert, "generatorURL", f"{where}.generatorURL")},
    )


def _label_text(names: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(names.items()))
