"""The steps of alerts coming in: sources and their secrets, alerts fired, repeated, resolved."""

import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from opsdesk.accounts.models import hash_token
from opsdesk.core.errors import Conflict, InvalidInput
from opsdesk.incidents.models import ACTIVE_STATUSES, Component, Incident
from opsdesk.tickets.models import Cos

from .formats import ParsedAlert
from .models import Alert, AlertSource, AlertStatus, SourceKind

SECRET_PREFIX = "oda_"  # noqa: S105 - a marker that makes leaked secrets easy to find
# Severities that mean "down now" in the words of Alertmanager rules, Azure and UptimeRobot.
EXPEDITE_SEVERITIES = frozenset({"critical", "sev0", "sev1", "down"})


def create_source(*, kind: str, name: str, at: datetime | None = None
                  ) -> tuple[AlertSource, str]:
    """Allow a monitoring system to send alerts; its secret is returned once, only its hash
    is kept."""
    name = " ".join(name.split())
    if kind not in SourceKind.values:
        raise InvalidInput(f"Unknown kind of alert source {kind!r}.",
                           fields={"kind": f"one of {', '.join(SourceKind.values)}"})
    if not name or len(name) > 100:
        raise InvalidInput("A source needs a name of 1 to 100 characters.",
                           fields={"name": "1 to 100 characters"})
    if AlertSource.objects.filter(name__iexact=name).exists():
        raise Conflict(f"An alert source named {name!r} exists.", fields={"name": "taken"})
    raw = SECRET_PREFIX + secrets.token_urlsafe(32)
    source = AlertSource.objects.create(kind=kind, name=name, secret_hash=hash_token(raw),
                                        created_at=at or timezone.now())
    return source, raw


def source_for_secret(*, kind: str, secret: str) -> AlertSource | None:
    """The enabled source of this kind whose secret this is, or None; each stored hash is
    compared in constant time, so timing tells nothing about a secret."""
    if not secret:
        return None
    given = hash_token(secret)
    found = None
    for source in AlertSource.objects.filter(kind=kind, enabled=True):
        if hmac.compare_digest(source.secret_hash, given):
            found = source
    return found


def receiving_url(*, source: AlertSource, secret: str = "") -> str:
    """Where the source posts its alerts (with its secret, when given)."""
    url = f"{settings.OPSDESK_BASE_URL}/api/v1/alerts/{SourceKind(source.kind).path}"
    return f"{url}?token={secret}" if secret else url


def lock_source(*, source: AlertSource) -> None:
    """Take one notification of this source at a time (two at once must not both open an
    incident for the same alert)."""
    AlertSource.objects.select_for_update().filter(pk=source.pk).first()


def find_alert(*, source: AlertSource, key: str) -> Alert | None:
    """The source's alert with this key, with its incident."""
    return Alert.objects.select_related("incident").filter(source=source, key=key).first()


def incident_to_join(*, source: AlertSource, parsed: ParsedAlert) -> Incident | None:
    """The active incident an alert with this key is on, or else one an alert of the same
    group (of this source) is on."""
    same = Q(key=parsed.key)
    if parsed.group_key:
        same |= Q(source=source, group_key=parsed.group_key)
    found = list(Alert.objects.filter(same, incident__status__in=ACTIVE_STATUSES)
                 .order_by("-last_seen_at").values_list("incident_id", "key")[:50])
    by_key = [incident_id for incident_id, key in found if key == parsed.key]
    best = next(iter(by_key or [incident_id for incident_id, _ in found]), None)
    return Incident.objects.get(pk=best) if best else None


def cos_for(severity: str) -> str:
    """The class of an incident an alert opens: Expedite when it says the service is down."""
    return Cos.EXPEDITE if severity.strip().lower() in EXPEDITE_SEVERITIES else Cos.PRIORITY


def existing_components(names: Iterable[str]) -> list[str]:
    """Those of the names that are status-page components (in their stored spelling)."""
    wanted = Q()
    for name in names:
        wanted |= Q(name__iexact=name.strip())
    if not wanted:
        return []
    return list(Component.objects.filter(wanted).values_list("name", flat=True))


def fire_alert(*, source: AlertSource, parsed: ParsedAlert, alert: Alert | None,
               incident: Incident, at: datetime) -> Alert:
    """Record the alert as firing on the incident: new, or firing again after it recovered
    (or after its incident was resolved)."""
    alert = alert or Alert(source=source, key=parsed.key, created_at=at)
    alert.group_key, alert.title = parsed.group_key, parsed.title
    alert.severity, alert.details = parsed.severity, parsed.details
    alert.status, alert.incident = AlertStatus.FIRING, incident
    alert.fired_at, alert.resolved_at = parsed.started_at or at, None
    alert.repeats, alert.last_seen_at = 0, at
    alert.save()
    return alert


def count_repeat(*, alert: Alert, at: datetime) -> Alert:
    """The source says again that a firing alert fires: count it."""
    alert.repeats += 1
    alert.last_seen_at = at
    alert.save(update_fields=["repeats", "last_seen_at"])
    return alert


def resolve_alert(*, alert: Alert, parsed: ParsedAlert, at: datetime) -> Alert:
    """The source says the alert recovered, at its end time (or now)."""
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = parsed.ended_at or at
    alert.last_seen_at = at
    alert.save(update_fields=["status", "resolved_at", "last_seen_at"])
    return alert
