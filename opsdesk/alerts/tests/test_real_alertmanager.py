"""The real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) sends its webhook to a
live opsdesk: an alert posted to it opens one incident, its repeat is counted, its
resolution recorded."""

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opsdesk.alerts.models import Alert, AlertStatus, SourceKind
from opsdesk.alerts.services import create_source
from opsdesk.incidents.models import ACTIVE_STATUSES, Incident, IncidentEvent

BINARY = "/usr/bin/prometheus-alertmanager"
# Short waits so the test takes seconds: first notice after 0.1 s, changes every 0.5 s, a
# firing alert notified again every second.
CONFIG = """
route:
  receiver: opsdesk
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 500ms
  repeat_interval: 1s
receivers:
  - name: opsdesk
    webhook_configs:
      - url: "{url}"
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: "{secret}"
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Alertmanager:
    """A running Alertmanager and its v2 API."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def post_alert(self, **fields: Any) -> None:
        body = json.dumps([fields]).encode()
        request = urllib.request.Request(  # noqa: S310 - Alertmanager on the loopback
            f"{self.base_url}/api/v2/alerts", data=body,
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            assert response.status == 200


@pytest.fixture
def alertmanager(live_server: Any, shipped_data: None, tmp_path: Path) -> Iterator[Alertmanager]:
    """Alertmanager on a free loopback port, its webhook pointing at the live opsdesk with
    the secret of a new Alertmanager source."""
    if not shutil.which(BINARY):
        pytest.skip(f"{BINARY} is not installed (scripts/ensure-services.sh installs the "
                    "Debian package prometheus-alertmanager)")
    _, secret = create_source(kind=SourceKind.ALERTMANAGER, name="prometheus")
    config = tmp_path / "alertmanager.yml"
    config.write_text(CONFIG.format(url=f"{live_server.url}/api/v1/alerts/alertmanager",
                                    secret=secret))
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
        [BINARY, f"--config.file={config}", f"--storage.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
         "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _ready(base_url) or process.poll() is not None, what="Alertmanager")
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        yield Alertmanager(base_url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/-/ready", timeout=1) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


def wait_for(condition: Callable[[], object], *, what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.1)


def test_an_alert_through_alertmanager_opens_one_incident_repeats_and_recovers(alertmanager):
    started = datetime.now(UTC) - timedelta(minutes=1)
    alert = {"labels": {"alertname": "ExamSubmissionErrors", "service": "lms-submission",
                        "severity": "critical", "instance": "lms-api-1"},
             "annotations": {"summary": "Exam submissions failing"},
             "startsAt": started.isoformat()}

    alertmanager.post_alert(**alert)
    wait_for(lambda: Alert.objects.exists(), what="the alert to reach opsdesk")
    incident = Incident.objects.get()
    assert incident.title == "Exam submissions failing" and incident.status in ACTIVE_STATUSES

    alertmanager.post_alert(**alert)  # still firing: notified again after repeat_interval
    wait_for(lambda: Alert.objects.get().repeats >= 1, what="the repeat to be counted")
    assert Incident.objects.count() == 1

    alertmanager.post_alert(**alert, endsAt=(datetime.now(UTC) - timedelta(seconds=1))
                            .isoformat())
    wait_for(lambda: Alert.objects.get().status == AlertStatus.RESOLVED,
             what="the recovery to be recorded")
    assert IncidentEvent.objects.filter(incident=incident, kind="alert_resolved").exists()
    assert Incident.objects.count() == 1
    assert Incident.objects.get().status in ACTIVE_STATUSES
