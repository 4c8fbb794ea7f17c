"""The outage of the postmortem scenario, recorded as an incident with its steps."""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from opsdesk.accounts.models import User
from opsdesk.communications.tests.conftest import smtp  # noqa: F401  a real SMTP server
from opsdesk.incidents.models import Component, Incident, IncidentEvent, IncidentSource

# A copy of shared/scenarios/postmortem-outage.json.
SCENARIO: dict[str, Any] = json.loads(
    (Path(__file__).parent / "postmortem-outage.json").read_text(encoding="utf-8"))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def outage(agent: User) -> Incident:
    """The scenario's incident: opened on the monitoring alert, each step of its timeline
    recorded at its time (the incident's own identified/resolved times left unset)."""
    facts = SCENARIO["incident"]
    first = at(SCENARIO["timeline"][0]["at"])
    incident = Incident.objects.create(
        title=facts["title"], cos=facts["cos"], created_by=agent, source=IncidentSource.ALERT,
        detected_at=first, opened_at=first, status="resolved",
        affected_users=2400)  # 20 % of the platform's 12,000 users
    incident.components.set(Component.objects.get_or_create(name=name)[0]
                            for name in facts["components"])
    for step in SCENARIO["timeline"]:
        IncidentEvent.objects.create(incident=incident, kind=step["kind"], body=step["body"],
                                     at=at(step["at"]), actor=agent)
    return incident


def step_of(timeline: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    [step] = [s for s in timeline if s["kind"] == kind]
    return step
