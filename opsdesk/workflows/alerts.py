"""Monitoring alerts come in: a firing alert opens an incident or joins the active one with
its key (a repeat is counted, not a second incident); a resolved one records recovery."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.accounts.services import system_user
from opsdesk.alerts import services as alerts
from opsdesk.alerts.formats import ParsedAlert
from opsdesk.alerts.models import AlertSource, AlertStatus
from opsdesk.incidents.models import IncidentSource
from opsdesk.incidents.services import record_event
from opsdesk.workflows.incidents import open_incident


@dataclass
class AlertsReceived:
    """What one notification did: alerts fired, repeated, resolved or ignored (a recovery
    of an alert never seen firing), and the incidents they are on."""

    fired: int = 0
    repeats: int = 0
    resolved: int = 0
    ignored: int = 0
    incidents: set[int] = field(default_factory=set)
    opened: list[int] = field(default_factory=list)


def alert_received(*, source: AlertSource, signals: Sequence[ParsedAlert],
                   at: datetime | None = None) -> AlertsReceived:
    """A monitoring system sent alerts: each firing one is counted as a repeat, joins the
    active incident with its key (or group), or opens an incident; each resolved one records
    recovery and leaves the incident as it is. `at`: when it came, now if None."""
    at = at or timezone.now()
    outcome = AlertsReceived()
    actor = system_user()
    with transaction.atomic():
        alerts.lock_source(source=source)
        for parsed in signals:
            if parsed.firing:
                _fired(source, parsed, actor=actor, at=at, outcome=outcome)
            else:
                _recovered(source, parsed, actor=actor, at=at, outcome=outcome)
    return outcome


def _fired(source: AlertSource, parsed: ParsedAlert, *, actor: User, at: datetime,
           outcome: AlertsReceived) -> None:
    alert = alerts.find_alert(source=source, key=parsed.key)
    if alert and alert.status == AlertStatus.FIRING and alert.incident \
            and alert.incident.is_active:
        alerts.count_repeat(alert=alert, at=at)
        outcome.repeats += 1
        outcome.incidents.add(alert.incident.pk)
        return
    incident = alerts.incident_to_join(source=source, parsed=parsed)
    if incident is None:
        incident = open_incident(
            title=parsed.title, actor=actor, cos=alerts.cos_for(parsed.severity),
            components=alerts.existing_components(parsed.components),
            summary=parsed.description, source=IncidentSource.ALERT,
            detected_at=parsed.started_at or at, at=at)
        outcome.opened.append(incident.pk)
    alert = alerts.fire_alert(source=source, parsed=parsed, alert=alert, incident=incident,
                              at=at)
    record_event(incident=incident, kind="alert_fired", actor=actor, at=at,
                 body=f"Alert from {source.name}: {alert.title}",
                 data=_event_data(source, alert.pk, parsed))
    outcome.fired += 1
    outcome.incidents.add(incident.pk)


def _recovered(source: AlertSource, parsed: ParsedAlert, *, actor: User, at: datetime,
               outcome: AlertsReceived) -> None:
    alert = alerts.find_alert(source=source, key=parsed.key)
    if alert is None or alert.status == AlertStatus.RESOLVED:
        outcome.ignored += 1
        return
    alerts.resolve_alert(alert=alert, parsed=parsed, at=at)
    outcome.resolved += 1
    if alert.incident is not None:
        record_event(incident=alert.incident, kind="alert_resolved", actor=actor, at=at,
                     body=f"Alert from {source.name} recovered: {alert.title}",
                     data=_event_data(source, alert.pk, parsed))
        outcome.incidents.add(alert.incident.pk)


def _event_data(source: AlertSource, alert_id: int, parsed: ParsedAlert) -> dict[str, object]:
    return {"alert_id": alert_id, "source": source.name, "key": parsed.key,
            "severity": parsed.severity,
            "started_at": parsed.started_at.isoformat() if parsed.started_at else None,
            "ended_at": parsed.ended_at.isoformat() if parsed.ended_at else None}
