"""Alert sources with their secrets, the sample notifications, and posting them."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from opsdesk.alerts.models import AlertSource, SourceKind
from opsdesk.alerts.services import create_source

SAMPLES = Path(__file__).parent / "samples"  # copies of ../shared/scenarios/alerts/


def sample(name: str) -> Any:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


GENERIC_FIRING = {"source": "nagios", "key": "lms-db-replication", "status": "firing",
                  "title": "LMS database replication stopped", "severity": "critical",
                  "started_at": "2026-02-20T08:00:00Z",
                  "details": {"host": "lms-db-2", "lag_seconds": 940}}
GENERIC_RESOLVED = {**GENERIC_FIRING, "status": "resolved", "ended_at": "2026-02-20T08:20:00Z"}

# Each kind: its firing and its resolved notification, and when the resolved one says it ended.
NOTIFICATIONS = {
    SourceKind.ALERTMANAGER: (sample("alertmanager-firing"), sample("alertmanager-resolved"),
                              "2026-02-20T08:28:00+00:00"),
    SourceKind.AZURE_MONITOR: (sample("azure-monitor-fired"), sample("azure-monitor-resolved"),
                               "2026-02-20T08:31:00+00:00"),
    SourceKind.UPTIMEROBOT: (sample("uptimerobot-down"), sample("uptimerobot-up"),
                             "2026-02-20T08:28:00+00:00"),
    SourceKind.GENERIC: (GENERIC_FIRING, GENERIC_RESOLVED, "2026-02-20T08:20:00+00:00"),
}


@pytest.fixture
def source_of(db: None) -> Any:
    """An enabled source of a kind, and its secret."""

    def make(kind: str, name: str = "") -> tuple[AlertSource, str]:
        return create_source(kind=kind, name=name or f"{kind} production")

    return make


class Monitor:
    """A monitoring system posting to opsdesk, as a source's webhook does."""

    def __init__(self) -> None:
        self.client = Client()

    def post(self, kind: str, body: Any, *, secret: str | None,
             headers: dict[str, str] | None = None, content_type: str = "application/json"
             ) -> Any:
        path = f"/api/v1/alerts/{SourceKind(kind).path}"
        if secret is not None:
            path += f"?token={secret}"
        data = body if isinstance(body, (str, bytes)) or content_type != "application/json" \
            else json.dumps(body)
        return self.client.post(path, data, content_type=content_type, headers=headers or {})


@pytest.fixture
def monitor() -> Monitor:
    return Monitor()
