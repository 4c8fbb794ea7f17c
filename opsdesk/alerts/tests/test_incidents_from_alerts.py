"""Which incident an alert opens or joins: its class, its components, its group, and what
happens when it fires again after recovering or after its incident was resolved."""

import copy
from urllib.parse import urlencode

import pytest

from opsdesk.accounts.services import system_user
from opsdesk.alerts.models import Alert, AlertStatus, SourceKind
from opsdesk.incidents.models import Component, Incident, IncidentStatus
from opsdesk.tickets.models import Cos
from opsdesk.workflows.incidents import resolve_incident

from .conftest import GENERIC_FIRING, GENERIC_RESOLVED, NOTIFICATIONS, sample

AM = SourceKind.ALERTMANAGER


def test_a_critical_alert_opens_an_expedite_incident_a_warning_a_priority_one(monitor,
                                                                              source_of):
    _, secret = source_of(SourceKind.GENERIC)
    monitor.post(SourceKind.GENERIC, GENERIC_FIRING, secret=secret)
    monitor.post(SourceKind.GENERIC, {**GENERIC_FIRING, "key": "disk", "title": "Disk 85 %",
                                      "severity": "warning"}, secret=secret)
    assert dict(Incident.objects.values_list("title", "cos")) == {
        "LMS database replication stopped": Cos.EXPEDITE, "Disk 85 %": Cos.PRIORITY}


def test_the_incident_takes_the_components_the_labels_name_when_they_exist(monitor,
                                                                           source_of):
    submission = Component.objects.create(name="LMS-Submission")
    _, secret = source_of(AM)
    monitor.post(AM, NOTIFICATIONS[AM][0], secret=secret)  # service="lms-submission"
    assert list(Incident.objects.get().components.all()) == [submission]


def test_a_label_naming_no_component_creates_none(monitor, source_of):
    _, secret = source_of(AM)
    monitor.post(AM, NOTIFICATIONS[AM][0], secret=secret)
    assert not Component.objects.exists()
    assert not Incident.objects.get().components.exists()


def test_the_incident_is_detected_when_the_alert_started(monitor, source_of):
    _, secret = source_of(AM)
    monitor.post(AM, NOTIFICATIONS[AM][0], secret=secret)
    assert Incident.objects.get().detected_at.isoformat() == "2026-02-20T08:00:00+00:00"


def test_alerts_sent_as_one_group_open_one_incident(monitor, source_of):
    firing = copy.deepcopy(NOTIFICATIONS[AM][0])
    second = copy.deepcopy(firing["alerts"][0])
    second["labels"]["instance"], second["fingerprint"] = "lms-api-2", "77aa0b3c9e7f2a42"
    firing["alerts"].append(second)
    _, secret = source_of(AM)
    response = monitor.post(AM, firing, secret=secret).json()
    assert response["fired"] == 2 and len(response["opened"]) == 1
    assert Alert.objects.count() == 2
    assert {a.incident_id for a in Alert.objects.all()} == set(response["opened"])


def test_an_alert_firing_again_after_recovering_joins_its_open_incident(monitor, source_of):
    firing, resolved, _ = NOTIFICATIONS[AM]
    _, secret = source_of(AM)
    for body in (firing, resolved, firing):
        monitor.post(AM, body, secret=secret)
    incident = Incident.objects.get()
    alert = Alert.objects.get()
    assert (alert.status, alert.resolved_at, alert.incident) == (AlertStatus.FIRING, None,
                                                                 incident)
    assert [e.kind for e in incident.events.filter(kind__startswith="alert_")] == [
        "alert_fired", "alert_resolved", "alert_fired"]


def test_an_alert_firing_after_its_incident_was_resolved_opens_a_new_one(monitor, source_of):
    _, secret = source_of(AM)
    monitor.post(AM, NOTIFICATIONS[AM][0], secret=secret)
    first = Incident.objects.get()
    resolve_incident(incident=first, actor=system_user(), resolution="Rolled back.",
                     notify=False)
    again = monitor.post(AM, NOTIFICATIONS[AM][0], secret=secret).json()
    assert again["repeats"] == 0 and len(again["opened"]) == 1
    second = Incident.objects.get(pk=again["opened"][0])
    assert second != first and Alert.objects.get().incident == second
    first.refresh_from_db()
    assert first.status == IncidentStatus.RESOLVED


def test_another_source_reporting_the_same_key_joins_the_same_incident(monitor, source_of):
    _, primary = source_of(AM, name="prometheus-a")
    _, replica = source_of(AM, name="prometheus-b")
    monitor.post(AM, NOTIFICATIONS[AM][0], secret=primary)
    monitor.post(AM, NOTIFICATIONS[AM][0], secret=replica)
    assert Incident.objects.count() == 1 and Alert.objects.count() == 2


def test_a_recovery_of_an_alert_never_seen_is_ignored(monitor, source_of):
    _, secret = source_of(SourceKind.GENERIC)
    response = monitor.post(SourceKind.GENERIC, GENERIC_RESOLVED, secret=secret)
    assert response.status_code == 200 and response.json()["ignored"] == 1
    assert not Alert.objects.exists() and not Incident.objects.exists()


def test_uptimerobot_placeholders_are_not_kept(monitor, source_of):
    _, secret = source_of(SourceKind.UPTIMEROBOT)
    monitor.post(SourceKind.UPTIMEROBOT, sample("uptimerobot-down"), secret=secret)
    alert = Alert.objects.get()
    assert alert.title == "LMS login page is down (HTTP 503 - Service Unavailable)"
    assert "sslExpiryDate" not in alert.details
    assert "*" not in str(alert.details)


def test_uptimerobot_may_post_a_form(monitor, source_of):
    _, secret = source_of(SourceKind.UPTIMEROBOT)
    response = monitor.post(SourceKind.UPTIMEROBOT, urlencode(sample("uptimerobot-down")),
                            secret=secret, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    assert Incident.objects.get().cos == Cos.EXPEDITE  # "down"


def test_azure_alerts_keep_their_essentials_but_not_the_secret(monitor, source_of):
    _, secret = source_of(SourceKind.AZURE_MONITOR)
    monitor.post(SourceKind.AZURE_MONITOR, NOTIFICATIONS[SourceKind.AZURE_MONITOR][0],
                 secret=secret)
    alert = Alert.objects.get()
    assert alert.details["alertRule"] == "lms-exam-submission-exceptions"
    assert alert.severity == "Sev1" and Incident.objects.get().cos == Cos.EXPEDITE
    assert secret not in str(alert.details)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_data")
def test_the_same_notification_twice_at_once_opens_one_incident(source_of):
    """Alertmanager in a pair sends each notification from both: the source's notifications
    are taken one at a time, so the second is a repeat, not a second incident."""
    import threading

    from django.db import connection

    from opsdesk.alerts.formats import PARSERS
    from opsdesk.workflows.alerts import alert_received

    source, _ = source_of(AM)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def receive() -> None:
        try:
            start.wait()
            received = alert_received(source=source,
                                      signals=PARSERS[AM](NOTIFICATIONS[AM][0]))
            outcomes.append("opened" if received.opened else "repeat")
        except Exception as exc:  # a unique-key clash would land here
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=receive) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["opened", "repeat"]
    assert Incident.objects.count() == 1 and Alert.objects.get().repeats == 1
