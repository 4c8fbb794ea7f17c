"""Each monitoring system's notifications, as its samples say them: firing opens one incident,
a repeat is counted, a recovery is recorded and leaves the incident open."""

from datetime import datetime

import pytest

from opsdesk.alerts.models import Alert, AlertStatus, SourceKind
from opsdesk.incidents.models import ACTIVE_STATUSES, Incident, IncidentEvent, IncidentSource

from .conftest import NOTIFICATIONS

KINDS = list(NOTIFICATIONS)


@pytest.mark.parametrize("kind", KINDS)
def test_a_firing_alert_opens_one_incident(monitor, source_of, kind):
    firing, _, _ = NOTIFICATIONS[kind]
    _, secret = source_of(kind)
    response = monitor.post(kind, firing, secret=secret)
    assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert response.json() == {"fired": 1, "repeats": 0, "resolved": 0, "ignored": 0,
                               "incidents": [incident.pk], "opened": [incident.pk]}
    assert incident.source == IncidentSource.ALERT and incident.status in ACTIVE_STATUSES
    assert incident.created_by.role == "system"
    alert = Alert.objects.get()
    assert (alert.incident, alert.status, alert.repeats) == (incident, AlertStatus.FIRING, 0)
    assert alert.title and alert.title in incident.title
    assert IncidentEvent.objects.filter(incident=incident, kind="alert_fired").count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_alert_again_is_counted_not_a_second_incident(monitor, source_of, kind):
    firing, _, _ = NOTIFICATIONS[kind]
    _, secret = source_of(kind)
    monitor.post(kind, firing, secret=secret)
    again = monitor.post(kind, firing, secret=secret)
    assert again.status_code == 200, again.content
    assert again.json()["repeats"] == 1 and again.json()["opened"] == []
    monitor.post(kind, firing, secret=secret)
    assert Incident.objects.count() == 1
    assert Alert.objects.get().repeats == 2
    assert IncidentEvent.objects.filter(kind="alert_fired").count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_resolved_alert_records_recovery_and_leaves_the_incident_open(monitor, source_of,
                                                                        kind):
    firing, resolved, ended = NOTIFICATIONS[kind]
    _, secret = source_of(kind)
    monitor.post(kind, firing, secret=secret)
    response = monitor.post(kind, resolved, secret=secret)
    assert response.status_code == 200, response.content
    assert response.json()["resolved"] == 1
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_at == datetime.fromisoformat(ended)
    incident = Incident.objects.get()
    assert incident.status in ACTIVE_STATUSES and incident.resolved_at is None
    assert [e.kind for e in incident.events.filter(kind__startswith="alert_")] == [
        "alert_fired", "alert_resolved"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_bad_secret_is_refused_and_nothing_is_stored(monitor, source_of, kind):
    firing, _, _ = NOTIFICATIONS[kind]
    source_of(kind)
    other_kind = SourceKind.GENERIC if kind != SourceKind.GENERIC else SourceKind.ALERTMANAGER
    _, secret_of_another_kind = source_of(other_kind, name="another")
    for secret in (None, "", "oda_not-the-secret", secret_of_another_kind):
        response = monitor.post(kind, firing, secret=secret)
        assert response.status_code == 401, (secret, response.content)
        assert response.json()["error"]["code"] == "unauthorized"
    assert not Alert.objects.exists() and not Incident.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_malformed_notification_is_refused_and_nothing_is_stored(monitor, source_of, kind):
    firing, _, _ = NOTIFICATIONS[kind]
    _, secret = source_of(kind)
    for body in ("this is not JSON", [1, 2], "null", _broken(kind, firing)):
        response = monitor.post(kind, body, secret=secret)
        assert response.status_code == 400, (body, response.content)
        error = response.json()["error"]
        assert error["code"] == "invalid" and error["message"].startswith("The alert cannot")
    assert not Alert.objects.exists() and not Incident.objects.exists()


def _broken(kind, firing):
    """The firing notification with one thing wrong, as a buggy sender might write it."""
    if kind == SourceKind.ALERTMANAGER:
        return {**firing, "alerts": [{**firing["alerts"][0], "startsAt": "yesterday"}]}
    if kind == SourceKind.AZURE_MONITOR:
        return {**firing, "data": {**firing["data"], "essentials": {
            **firing["data"]["essentials"], "monitorCondition": "Maybe"}}}
    if kind == SourceKind.UPTIMEROBOT:
        return {**firing, "monitorID": "*monitorID*"}  # a variable UptimeRobot left unfilled
    return {**firing, "status": "burning"}


def test_the_field_at_fault_is_named(monitor, source_of):
    firing, _, _ = NOTIFICATIONS[SourceKind.ALERTMANAGER]
    _, secret = source_of(SourceKind.ALERTMANAGER)
    body = {**firing, "alerts": [{**firing["alerts"][0], "startsAt": "yesterday"}]}
    error = monitor.post(SourceKind.ALERTMANAGER, body, secret=secret).json()["error"]
    assert error["fields"] == {"alerts.0.startsAt": "must be an RFC 3339 time with its offset"}


def test_one_bad_alert_in_a_group_stores_none_of_the_group(monitor, source_of):
    firing, _, _ = NOTIFICATIONS[SourceKind.ALERTMANAGER]
    _, secret = source_of(SourceKind.ALERTMANAGER)
    body = {**firing, "alerts": [firing["alerts"][0], {**firing["alerts"][0], "status": "on"}]}
    assert monitor.post(SourceKind.ALERTMANAGER, body, secret=secret).status_code == 400
    assert not Alert.objects.exists() and not Incident.objects.exists()


@pytest.mark.parametrize("header", ["Authorization", "X-Opsdesk-Token"])
def test_the_secret_may_come_in_a_header(monitor, source_of, header):
    _, secret = source_of(SourceKind.GENERIC)
    value = f"Bearer {secret}" if header == "Authorization" else secret
    response = monitor.post(SourceKind.GENERIC, NOTIFICATIONS[SourceKind.GENERIC][0],
                            secret=None, headers={header: value})
    assert response.status_code == 200, response.content


def test_a_disabled_source_is_refused(monitor, source_of):
    source, secret = source_of(SourceKind.GENERIC)
    source.enabled = False
    source.save()
    response = monitor.post(SourceKind.GENERIC, NOTIFICATIONS[SourceKind.GENERIC][0],
                            secret=secret)
    assert response.status_code == 401 and not Alert.objects.exists()


def test_only_the_secrets_hash_is_stored(source_of):
    source, secret = source_of(SourceKind.ALERTMANAGER)
    source.refresh_from_db()
    assert secret not in str(vars(source)) and len(source.secret_hash) == 64


def test_the_alert_paths_are_documented_as_taking_a_source_secret_not_a_user_token(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for kind in SourceKind:
        operation = paths[f"/api/v1/alerts/{kind.path}"]["post"]
        assert "security" not in operation
        assert [p["name"] for p in operation["parameters"]] == ["token"]
        assert "application/json" in operation["requestBody"]["content"]
