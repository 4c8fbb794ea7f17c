"""The scenario's outage worked through the incident workflows, then written up."""

from typing import Any

from opsdesk.accounts.models import Role
from opsdesk.accounts.services import create_user
from opsdesk.incidents.models import IncidentSource
from opsdesk.postmortems.tests.conftest import SCENARIO, at
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import incidents as workflow
from opsdesk.workflows.tickets import open_ticket


def test_an_incident_worked_by_the_desk_gives_the_scenarios_postmortem(
        api, agent, smtp, run_tasks, django_capture_on_commit_callbacks):
    steps = {s["kind"]: s for s in SCENARIO["timeline"]}
    reports = [open_ticket(actor=agent, at=at("2023-11-02T16:17:00Z"), draft=TicketDraft(
        requester=create_user(email=f"student{n}@campus.example.edu.vn", role=Role.REQUESTER,
                              name=f"Student {n}", password=None),
        title="Course materials do not load")) for n in range(3)]
    incident = workflow.open_incident(
        title=SCENARIO["incident"]["title"], actor=agent, cos="expedite",
        source=IncidentSource.ALERT, at=at(steps["detected"]["at"]))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.link_tickets(incident=incident, tickets=reports, actor=agent,
                              at=at("2023-11-02T16:18:00Z"))
        workflow.post_update(incident=incident, actor=agent, public=False,
                             body=steps["action"]["body"], at=at(steps["action"]["at"]))
        workflow.post_update(incident=incident, actor=agent, status="identified",
                             body="We found the cause and are fixing it.",
                             at=at(steps["identified"]["at"]))
        workflow.resolve_incident(incident=incident, actor=agent,
                                  resolution=steps["resolved"]["body"],
                                  root_cause=steps["identified"]["body"],
                                  at=at(steps["resolved"]["at"]))
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()

    body = api.as_(agent).get(f"/api/v1/incidents/{incident.pk}/postmortem",
                              {"format": "json"}).json()
    timings = {k: v["text"] for k, v in body["timings"].items()}
    assert timings["duration"] == SCENARIO["expect"]["duration"]
    assert timings["time_to_identify"] == SCENARIO["expect"]["time_to_identify"]
    assert body["impact"]["tickets"] == 3
    assert body["impact"]["duplicates_answered"] == 3  # each answered by the incident
    assert body["root_cause"] == steps["identified"]["body"]
    assert body["resolution"] == steps["resolved"]["body"]
    texts = [s["body"] for s in body["timeline"]]
    said_once: Any = [steps["action"]["body"], "(identified) We found the cause and are "
                      "fixing it.", "(resolved) " + steps["resolved"]["body"]]
    assert all(texts.count(text) == 1 for text in said_once), texts
    kinds = [s["kind"] for s in body["timeline"]]
    assert kinds.count("ticket") == 3 and "internal_note" in kinds and "opened" in kinds
    assert body["detection"] == "By a monitoring alert."  # its reports came later
