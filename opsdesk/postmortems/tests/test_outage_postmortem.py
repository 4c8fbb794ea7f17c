"""The platform outage of the postmortem scenario, written up from its recorded steps."""

import io
from typing import Any

from pypdf import PdfReader

from opsdesk.incidents.models import Incident, IncidentEvent, IncidentUpdate
from opsdesk.postmortems.models import Postmortem, TimelineEdit
from opsdesk.postmortems.tests.conftest import SCENARIO, at, step_of
from opsdesk.tickets.models import Message, MessageKind, Ticket
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows.tickets import open_ticket

EXPECT = SCENARIO["expect"]


def postmortem(api: Any, user: Any, incident: Incident, fmt: str = "json") -> Any:
    return api.as_(user).get(f"/api/v1/incidents/{incident.pk}/postmortem", {"format": fmt})


def test_it_times_the_outage_as_the_scenario_expects(api, agent, outage):
    body = postmortem(api, agent, outage).json()
    assert body["timings"]["duration"] == {"seconds": 8100, "text": EXPECT["duration"]}
    assert body["timings"]["time_to_identify"]["text"] == EXPECT["time_to_identify"]
    assert body["timings"]["time_to_detect"]["text"] == "0 s"  # opened on the alert itself
    assert body["timings"]["time_to_resolve"]["text"] == "2 h 15 min"


def test_the_root_cause_and_resolution_come_from_the_steps_that_say_them(api, agent, outage):
    body = postmortem(api, agent, outage).json()
    assert body["root_cause"].startswith("Root cause: a rare sequence of user actions")
    assert body["resolution"] == "Caching bug patched, safeguards added; platform fully " \
                                 "operational."
    assert body["detection"] == "By a monitoring alert: Monitoring alert: surge in database " \
                                "errors and response times."


def test_the_markdown_has_every_section_the_scenario_expects(api, agent, outage):
    response = postmortem(api, agent, outage, "md")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    headings = [line[3:].lower() for line in response.content.decode().splitlines()
                if line.startswith("## ")]
    assert set(EXPECT["sections"]) <= set(headings)
    text = response.content.decode()
    assert "- Duration: 2 h 15 min" in text and "- Time to identify: 1 h 15 min" in text
    assert "times in Asia/Ho_Chi_Minh" in text  # the desk's zone unless asked


def test_each_recorded_step_is_in_the_timeline_in_order(api, agent, outage):
    markdown = api.as_(agent).get(f"/api/v1/incidents/{outage.pk}/postmortem",
                                  {"format": "md", "tz": "UTC"}).content.decode()
    lines = [line for line in markdown.splitlines() if line.startswith("- 1")]
    expected = [f"- {s['at'][11:16]} " for s in SCENARIO["timeline"]]
    assert [line[:8] for line in lines] == expected
    assert all(s["body"] in markdown for s in SCENARIO["timeline"])


def mark_misleading(api: Any, agent: Any, incident: Incident) -> Any:
    timeline = postmortem(api, agent, incident).json()["timeline"]
    action = step_of(timeline, "action")
    return api.as_(agent).patch(f"/api/v1/incidents/{incident.pk}/postmortem", {"timeline": [
        {"id": action["id"], "misleading": True,
         "note": "the database was a symptom; it stabilised briefly, then failed again"}]})


def test_a_misleading_step_is_kept_and_marked(api, agent, outage):
    response = mark_misleading(api, agent, outage)
    assert response.status_code == 200, response.content
    timeline = response.json()["timeline"]
    assert len(timeline) == len(SCENARIO["timeline"]) == 6
    action = step_of(timeline, "action")
    assert action["misleading"] is EXPECT["misleading_step_kept_in_timeline"]
    assert action["body"].startswith("Suspected database problem")
    markdown = postmortem(api, agent, outage, "md").content.decode()
    [line] = [li for li in markdown.splitlines() if "Suspected database problem" in li]
    assert line.endswith("[MISLEADING: the database was a symptom; it stabilised briefly, "
                         "then failed again]")
    assert IncidentEvent.objects.filter(incident=outage).count() == 6  # the record untouched


def test_the_pdf_renders_with_its_sections_and_the_marked_step(api, agent, outage):
    mark_misleading(api, agent, outage)
    response = postmortem(api, agent, outage, "pdf")
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="opsdesk-postmortem-INC-' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for section in EXPECT["sections"]:
        assert section in text.lower(), section
    assert "Duration: 2 h 15 min" in text and "Time to identify: 1 h 15 min" in text
    assert "Suspected database problem" in text and "[MISLEADING" in text
    assert "LMS · course materials" in text  # a Unicode font: nothing folded


def test_the_steps_the_incident_workflows_record_give_the_same_timings(api, agent):
    incident = Incident.objects.create(title="Outage", created_by=agent, cos="expedite",
                                       detected_at=at("2023-11-02T16:15:00Z"),
                                       opened_at=at("2023-11-02T16:18:00Z"))
    for when, kind, data in (("16:15", "alert_fired", {}), ("16:18", "opened", {}),
                             ("17:30", "status", {"status": "identified"}),
                             ("18:30", "resolved", {})):
        IncidentEvent.objects.create(incident=incident, kind=kind, data=data,
                                     at=at(f"2023-11-02T{when}:00Z"))
    timings = postmortem(api, agent, incident).json()["timings"]
    assert [timings[k]["text"] for k in ("duration", "time_to_detect", "time_to_identify",
                                         "time_to_resolve")] == \
        ["2 h 15 min", "3 min", "1 h 15 min", "2 h 12 min"]


def test_updates_and_internal_notes_are_steps_and_an_update_event_is_not_repeated(
        api, agent, outage):
    when = at("2023-11-02T16:30:00Z")
    IncidentUpdate.objects.create(incident=outage, status="investigating", author=agent,
                                  body="We are looking into it.", created_at=when)
    IncidentUpdate.objects.create(incident=outage, status="investigating", author=agent,
                                  public=False, body="DB graphs look fine.", created_at=when)
    IncidentEvent.objects.create(incident=outage, kind="update", at=when,
                                 body="We are looking into it.")
    timeline = postmortem(api, agent, outage).json()["timeline"]
    assert [s["body"] for s in timeline if s["at"].startswith("2023-11-02T16:30")] == [
        "(investigating) We are looking into it.", "DB graphs look fine."]
    assert step_of(timeline, "internal_note")["label"] == "Internal note"


def test_impact_counts_users_groups_tickets_and_the_duplicates_it_answered(
        api, agent, requester, other_requester, outage):
    outage.groups = ["WEB102-HN"]
    outage.save()
    reported = at("2023-11-02T16:17:00Z")
    tickets = [open_ticket(actor=agent, at=reported, draft=TicketDraft(
        requester=who, title="Cannot open course materials")) for who in (requester,
                                                                          other_requester)]
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(incident=outage)
    Message.objects.create(ticket=tickets[0], kind=MessageKind.REPLY, author=agent,
                           template="incident_update", body="We are on it.", public=True)
    Message.objects.create(ticket=tickets[1], kind=MessageKind.NOTE, author=agent,
                           template="incident_update", body="Not a reply.")
    tickets[1].impact_groups.create(name="DATA101-SG", affected=18)
    body = postmortem(api, agent, outage).json()
    assert body["impact"] == {"affected_users": 2400, "groups": ["DATA101-SG", "WEB102-HN"],
                              "components": sorted(SCENARIO["incident"]["components"]),
                              "tickets": 2, "duplicates_answered": 1}
    reports = [s for s in body["timeline"] if s["kind"] == "ticket"]
    assert [s["body"] for s in reports] == [f"{t.ref} Cannot open course materials"
                                           for t in tickets]
    assert body["timings"]["time_to_detect"]["text"] == "0 s"


def test_the_desks_words_replace_the_incidents_and_a_step_can_be_added(api, agent, outage):
    response = api.as_(agent).patch(f"/api/v1/incidents/{outage.pk}/postmortem", {
        "trigger": "A rare sequence of user actions hit a caching bug.",
        "lessons": "Look past the first suspect.",
        "timeline": [{"at": "2023-11-02T16:50:00Z", "kind": "action",
                      "body": "Rolled back the morning's cache configuration."}]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["trigger"] == "A rare sequence of user actions hit a caching bug."
    assert body["lessons"] == "Look past the first suspect."
    [added] = [s for s in body["timeline"] if s["added"]]
    assert added["at"] == "2023-11-02T16:50:00Z" and added["id"].startswith("added-")
    assert [s["at"][11:16] for s in body["timeline"]] == [
        "16:15", "16:20", "16:45", "16:50", "17:00", "17:30", "18:30"]
    again = api.as_(agent).patch(f"/api/v1/incidents/{outage.pk}/postmortem", {
        "timeline": [{"id": added["id"], "body": "Rolled back the cache configuration."}]})
    [added] = [s for s in again.json()["timeline"] if s["added"]]
    assert added["body"] == "Rolled back the cache configuration."


def test_a_bad_edit_is_refused_whole_and_stores_nothing(api, agent, outage):
    response = api.as_(agent).patch(f"/api/v1/incidents/{outage.pk}/postmortem", {
        "summary": "A new summary.",
        "timeline": [{"id": "event-999999", "misleading": True}, {"kind": "note"}]})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "timeline.0.id": "no such step", "timeline.1.at": "required",
        "timeline.1.body": "required"}
    assert not Postmortem.objects.exists() and not TimelineEdit.objects.exists()


def test_a_requester_is_refused_and_an_unknown_incident_is_not_found(
        api, agent, requester, outage):
    assert postmortem(api, requester, outage).status_code == 403
    assert api.as_(requester).patch(f"/api/v1/incidents/{outage.pk}/postmortem",
                                    {"summary": "x"}).status_code == 403
    assert api.as_(agent).get("/api/v1/incidents/999999/postmortem").status_code == 404
    assert api.get(f"/api/v1/incidents/{outage.pk}/postmortem").status_code == 401


def test_an_unknown_format_is_refused(api, agent, outage):
    response = postmortem(api, agent, outage, "docx")
    assert response.status_code == 422
    assert "format" in response.json()["error"]["fields"]
