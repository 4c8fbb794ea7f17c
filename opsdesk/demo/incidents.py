"""The demo's incidents: an exam outage a monitoring alert opens while it happens, and a
platform outage of last week, resolved, with its postmortem."""

import copy
from datetime import datetime, timedelta

from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.alerts.formats import alertmanager
from opsdesk.alerts.models import SourceKind
from opsdesk.alerts.services import create_source
from opsdesk.incidents.models import Component, Incident, IncidentStatus
from opsdesk.postmortems.services import add_action_item
from opsdesk.workflows import incidents as incident_workflow
from opsdesk.workflows.alerts import alert_received

from .replay import load_scenario

COMPONENTS = ("LMS · exam submission", "LMS · course materials", "LMS · assignments",
              "LMS · live lectures", "LMS · login", "LMS · video")
OUTAGE_GROUPS = ("WEB102-HN", "DATA101-SG", "MOBILE201-HN")


def load_components() -> None:
    """The parts of the service the status page lists."""
    for position, name in enumerate(COMPONENTS):
        Component.objects.get_or_create(name=name, defaults={"position": position})


def open_alerted_outage(*, agent: User, at: datetime) -> Incident:
    """Alertmanager reports exam submissions failing (`at`); the agent takes the incident,
    names the classes it hits and publishes a first update in both languages."""
    source, _ = create_source(kind=SourceKind.ALERTMANAGER, name="LMS monitoring (demo)", at=at)
    payload = copy.deepcopy(load_scenario("alertmanager-firing"))
    for alert in payload["alerts"]:
        alert["startsAt"] = at.isoformat()
    received = alert_received(source=source, signals=alertmanager.parse(payload), at=at)
    incident = Incident.objects.get(pk=received.opened[0])
    later = at + timedelta(minutes=1)
    incident = incident_workflow.change_incident(
        incident=incident, actor=agent, title="Exam submissions fail with “System error”",
        components=["LMS · exam submission"], groups=list(OUTAGE_GROUPS), owner=agent,
        at=later)
    incident_workflow.post_update(
        incident=incident, actor=agent, notify=False, at=later,
        body="Exam submissions are failing with “System error”. The dev team is on it; "
        "your answers are saved, do not submit again. Next update within 10 minutes.",
        body_vi="Hệ thống nộp bài thi đang báo “System error”. Đội kỹ thuật đang xử lý; "
        "bài làm của bạn đã được lưu, đừng nộp lại. Cập nhật tiếp trong vòng 10 phút.")
    return incident


def load_past_outage(*, agent: User, days_ago: int = 7) -> Incident:
    """The postmortem scenario's outage, moved to `days_ago`, resolved, with its actions."""
    scenario = load_scenario("postmortem-outage")
    steps = scenario["timeline"]
    first = datetime.fromisoformat(steps[0]["at"])
    shift = (timezone.now() - timedelta(days=days_ago)).replace(
        hour=first.hour, minute=first.minute, second=0, microsecond=0) - first

    def when(step: dict[str, str]) -> datetime:
        return datetime.fromisoformat(step["at"]) + shift

    data = scenario["incident"]
    incident = incident_workflow.open_incident(
        title=data["title"], actor=agent, cos=data["cos"], components=data["components"],
        owner=agent, summary=steps[0]["body"], detected_at=when(steps[0]), at=when(steps[0]))
    for step in steps[1:]:
        if step["kind"] == "identified":
            incident_workflow.change_incident(incident=incident, actor=agent,
                                              status=IncidentStatus.IDENTIFIED,
                                              root_cause=step["body"], at=when(step))
        elif step["kind"] == "resolved":
            incident_workflow.resolve_incident(incident=incident, actor=agent,
                                               resolution=step["body"], at=when(step))
        else:
            incident_workflow.post_update(incident=incident, actor=agent, public=False,
                                          body=step["body"], at=when(step))
    due = (timezone.now() + timedelta(days=14)).date()
    for action in scenario["actions"]:
        add_action_item(incident=incident, actor=agent, title=action["title"],
                        kind=action["kind"], owner=agent.email, due=due)
    return incident
