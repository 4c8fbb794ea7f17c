"""Azure Monitor's common alert schema: one alert, Fired or Resolved, keyed by its alertId.

Alerts of one alert rule go to one incident (the rule is their group).
"""

from typing import Any

from opsdesk.alerts.models import AlertStatus

from .reading import ParsedAlert, fitted, invalid, key_of, mapping, text, timestamp, title_of

SCHEMA_ID = "azureMonitorCommonAlertSchema"
CONDITIONS = {"Fired": AlertStatus.FIRING, "Resolved": AlertStatus.RESOLVED}
DETAIL_FIELDS = ("alertRule", "severity", "signalType", "monitoringService", "alertTargetIDs",
                 "configurationItems", "originAlertId", "description")


def parse(payload: Any) -> list[ParsedAlert]:
    """The alert of one Azure Monitor notification."""
    body = mapping(payload, "body")
    if text(body, "schemaId", "schemaId") != SCHEMA_ID:
        raise invalid("schemaId", f"must be {SCHEMA_ID} (turn on the common alert schema "
                                  "in the action group)")
    data = mapping(body.get("data"), "data")
    essentials = mapping(data.get("essentials"), "data.essentials")
    where = "data.essentials"
    condition = text(essentials, "monitorCondition", f"{where}.monitorCondition", required=True)
    if condition not in CONDITIONS:
        raise invalid(f"{where}.monitorCondition", "must be Fired or Resolved")
    rule = text(essentials, "alertRule", f"{where}.alertRule")
    items = essentials.get("configurationItems") or []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise invalid(f"{where}.configurationItems", "must be a list of strings")
    return [ParsedAlert(
        key=key_of(text(essentials, "alertId", f"{where}.alertId", required=True),
                   f"{where}.alertId"),
        status=CONDITIONS[condition],
        title=title_of(text(essentials, "description", f"{where}.description"), rule),
        severity=text(essentials, "severity", f"{where}.severity"),
        started_at=timestamp(essentials.get("firedDateTime"), f"{where}.firedDateTime"),
        ended_at=timestamp(essentials.get("resolvedDateTime"), f"{where}.resolvedDateTime"),
        description=_description(essentials),
        group_key=fitted(rule),
        components=tuple(items),
        details={**{f: essentials[f] for f in DETAIL_FIELDS if essentials.get(f) is not None},
                 "alertContext": data.get("alertContext"),
                 "customProperties": data.get("customProperties")},
    )]


def _description(essentials: dict[str, Any]) -> str:
    service = essentials.get("monitoringService") or "Azure Monitor"
    rule = essentials.get("alertRule") or "an alert rule"
    return f"{service}: {rule}"
