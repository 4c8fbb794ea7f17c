"""`opsdesk alerts create-source` gives the URL and secret a monitoring system needs."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from opsdesk.alerts.models import AlertSource

from .conftest import NOTIFICATIONS


def run(*args):
    out = StringIO()
    call_command("alerts", *args, stdout=out)
    return out.getvalue()


def test_create_source_prints_the_url_then_the_secret_alone(db, settings, monitor):
    settings.OPSDESK_BASE_URL = "https://desk.example.edu.vn"
    output = run("create-source", "--kind", "azure-monitor", "--name", "Azure prod")
    secret = output.split()[-1]
    assert output.rstrip().endswith("\n" + secret)
    assert f"https://desk.example.edu.vn/api/v1/alerts/azure-monitor?token={secret}" in output
    assert AlertSource.objects.get().kind == "azure_monitor"
    response = monitor.post("azure_monitor", NOTIFICATIONS["azure_monitor"][0], secret=secret)
    assert response.status_code == 200, response.content


def test_a_taken_name_is_refused(db):
    run("create-source", "--kind", "alertmanager", "--name", "prod")
    with pytest.raises(CommandError, match="exists"):
        run("create-source", "--kind", "generic", "--name", "Prod")
    assert AlertSource.objects.count() == 1


def test_list_sources_shows_each_source_without_its_secret(db):
    secret = run("create-source", "--kind", "uptimerobot", "--name", "uptime").split()[-1]
    listing = run("list-sources")
    assert "uptime  uptimerobot  enabled  0 alerts" in listing
    assert "/api/v1/alerts/uptimerobot" in listing and secret not in listing
