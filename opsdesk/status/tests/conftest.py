"""Status page fixtures: components, incidents written as the desk would, a real SMTP server."""

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.communications.tests.conftest import (  # noqa: F401 (fixtures)
    body_of,
    smtp,
    smtp_down,
)
from opsdesk.incidents.models import Component, Incident, IncidentStatus, IncidentUpdate
from opsdesk.status.models import Subscription

CONFIRM = re.compile(r"http://[^/\s]+(/status/confirm/[^/\s]+/)")
NOTE = "Internal: db-exam-02 replica lag 40 s, Le Ngoc A's account used to reproduce"


@pytest.fixture
def exam(db: None) -> Component:
    return Component.objects.create(name="LMS · exam submission", position=1)


@pytest.fixture
def video(db: None) -> Component:
    return Component.objects.create(name="LMS · video", position=2)


@pytest.fixture
def make_incident(agent: User) -> Any:
    """An incident with its updates: (body, body_vi, public) each, oldest first."""

    def make(title: str, *, cos: str = "priority", status: str = IncidentStatus.INVESTIGATING,
             components: tuple[Component, ...] = (), groups: tuple[str, ...] = (),
             updates: tuple[tuple[str, str, bool], ...] = (), started: datetime | None = None,
             resolved: datetime | None = None, summary: str = "") -> Incident:
        started = started or timezone.now() - timedelta(hours=1)
        incident = Incident.objects.create(
            title=title, cos=cos, status=status, groups=list(groups), created_by=agent,
            summary=summary, detected_at=started, opened_at=started, resolved_at=resolved,
            root_cause="Replica lag" if resolved else "")
        incident.components.set(components)
        for n, (body, body_vi, public) in enumerate(updates):
            IncidentUpdate.objects.create(
                incident=incident, status=status, body=body, body_vi=body_vi, public=public,
                author=agent, created_at=started + timedelta(minutes=10 * (n + 1)))
        return incident

    return make


@pytest.fixture
def exam_outage(make_incident: Any, exam: Component) -> Incident:
    """Expedite, for WEB102-HN only: a public update (EN and VI) and an internal note."""
    return make_incident(
        "Exam submissions fail", cos="expedite", components=(exam,), groups=("WEB102-HN",),
        summary="53 students of WEB102-HN, requester ngoc.a.le@campus.example.edu.vn",
        updates=(("We are investigating failed exam submissions.",
                  "Chúng tôi đang kiểm tra lỗi nộp bài thi.", True),
                 (NOTE, "", False)))


@pytest.fixture
def subscribe(client: Any, django_capture_on_commit_callbacks: Any, run_tasks: Any) -> Any:
    """Post the form on /status/ and run the queued confirmation job."""

    def post(email: str, components: Sequence[Component] = ()) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/status/subscribe", {
                "email": email, "components": [c.pk for c in components]})
        run_tasks()
        return response

    return post


@pytest.fixture
def confirmed(client: Any, subscribe: Any, smtp: Any) -> Any:  # noqa: F811 (the fixture)
    """Subscribe, then confirm through the emailed link; the subscription."""

    def make(email: str, components: Sequence[Component] = ()) -> Subscription:
        subscribe(email, components)
        client.post(CONFIRM.search(body_of(smtp.messages[-1])).group(1))
        return Subscription.objects.get(email=email.lower())

    return make
