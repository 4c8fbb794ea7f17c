"""In the admin a source can be renamed or turned off, never shows its secret; alerts are
read there, never edited."""

import pytest
from django.test import Client

from opsdesk.alerts.models import Alert, AlertSource, SourceKind

from .conftest import NOTIFICATIONS

AM = SourceKind.ALERTMANAGER


@pytest.fixture
def desk_admin(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_a_source_page_shows_neither_its_secret_nor_its_hash(desk_admin, source_of):
    source, secret = source_of(AM)
    for path in ("/admin/alerts/alertsource/", f"/admin/alerts/alertsource/{source.pk}/change/"):
        page = desk_admin.get(path)
        assert page.status_code == 200 and source.name.encode() in page.content
        assert secret.encode() not in page.content
        assert source.secret_hash.encode() not in page.content


def test_an_admin_turns_a_source_off_and_its_alerts_are_refused(desk_admin, source_of, monitor):
    source, secret = source_of(AM)
    response = desk_admin.post(f"/admin/alerts/alertsource/{source.pk}/change/",
                               {"name": source.name})  # "enabled" unticked
    assert response.status_code == 302, response.content
    assert not AlertSource.objects.get().enabled
    assert monitor.post(AM, NOTIFICATIONS[AM][0], secret=secret).status_code == 401


def test_sources_are_not_added_in_the_admin(desk_admin):
    assert desk_admin.get("/admin/alerts/alertsource/add/").status_code == 403


def test_an_alert_is_read_not_edited(desk_admin, source_of, monitor):
    _, secret = source_of(AM)
    monitor.post(AM, NOTIFICATIONS[AM][0], secret=secret)
    alert = Alert.objects.get()
    assert b"Exam submissions failing" in desk_admin.get("/admin/alerts/alert/").content
    page = desk_admin.get(f"/admin/alerts/alert/{alert.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    desk_admin.post(f"/admin/alerts/alert/{alert.pk}/change/", {"title": "changed"})
    assert Alert.objects.get().title == "Exam submissions failing"
