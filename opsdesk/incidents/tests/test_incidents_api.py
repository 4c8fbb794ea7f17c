"""The incidents API of API.md: open, list, change, link, update, resolve; staff only."""

from opsdesk.incidents.models import Incident, IncidentUpdate
from opsdesk.tickets.models import Ticket


def _open(api, agent, **body):
    response = api.as_(agent).post("/api/v1/incidents", {"title": "Exam submission fails",
                                                         **body})
    assert response.status_code == 201, response.json()
    return response.json()


def test_an_agent_opens_an_incident_from_a_ticket(api, agent, report):
    ticket = report(1, group="WEB102-HN", users=30)
    incident = _open(api, agent, from_ticket=ticket.pk, components=["LMS · exam submission"],
                     groups=["WEB102-HN"])
    assert incident["ticket_count"] == 1 and incident["affected_users"] == 30
    assert incident["cos"] == "expedite" and incident["status"] == "investigating"
    assert incident["components"] == ["LMS · exam submission"]
    assert incident["owner"]["email"] == agent.email and incident["source"] == "ticket"
    shown = api.as_(agent).get(f"/api/v1/tickets/{ticket.pk}").json()
    assert shown["incident_id"] == incident["id"]


def test_bad_input_is_refused_and_stores_nothing(api, agent):
    for body, field in (({"title": ""}, "title"), ({"title": "x", "cos": "urgent"}, "cos"),
                        ({"title": "x", "from_ticket": 999}, "ticket_ids"),
                        ({"title": "x", "owner": "nobody@example.org"}, "owner")):
        response = api.as_(agent).post("/api/v1/incidents", body)
        assert response.status_code == 422, body
        assert field in response.json()["error"]["fields"]
    assert not Incident.objects.exists()


def test_a_requester_cannot_see_or_open_incidents(api, agent, requester):
    incident = _open(api, agent)
    assert api.as_(requester).get(f"/api/v1/incidents/{incident['id']}").status_code in (403, 404)
    assert api.as_(requester).post("/api/v1/incidents", {"title": "x"}).status_code in (403, 404)
    assert api.as_(None).get("/api/v1/incidents").status_code == 401


def test_link_list_by_incident_update_and_resolve(api, agent, report):
    incident = _open(api, agent)
    tickets = [report(n) for n in range(3)]
    other = report(9)
    linked = api.as_(agent).post(f"/api/v1/incidents/{incident['id']}/tickets",
                                 {"ticket_ids": [t.pk for t in tickets]})
    assert linked.status_code == 200 and linked.json()["ticket_count"] == 3
    listed = api.as_(agent).get("/api/v1/tickets", {"incident": incident["id"]}).json()
    assert sorted(t["id"] for t in listed["items"]) == sorted(t.pk for t in tickets)
    unlinked = api.as_(agent).get("/api/v1/tickets", {"incident": "none"}).json()
    assert [t["id"] for t in unlinked["items"]] == [other.pk]
    assert api.as_(agent).get("/api/v1/tickets", {"incident": "x1"}).status_code == 422

    note = api.as_(agent).post(f"/api/v1/incidents/{incident['id']}/updates",
                               {"body": "internal", "public": False})
    assert note.status_code == 201 and note.json()["public"] is False
    update = api.as_(agent).post(f"/api/v1/incidents/{incident['id']}/updates",
                                 {"body": "Found it", "status": "identified"})
    assert update.status_code == 201
    resolved = api.as_(agent).post(f"/api/v1/incidents/{incident['id']}/resolve",
                                   {"resolution": "Restarted the service", "notify": True})
    assert resolved.status_code == 200
    body = resolved.json()
    assert body["status"] == "resolved" and body["identified_at"] and body["resolved_at"]
    assert [u["body"] for u in body["updates"]] == ["Restarted the service", "Found it",
                                                     "internal"]
    again = api.as_(agent).post(f"/api/v1/incidents/{incident['id']}/resolve",
                                {"resolution": "again"})
    assert again.status_code == 409
    events = api.as_(agent).get(f"/api/v1/incidents/{incident['id']}/events").json()
    assert [e["kind"] for e in events][:2] == ["opened", "linked"]


def test_patch_changes_fields_refuses_a_stale_version_and_resolving_by_patch(api, agent):
    incident = _open(api, agent)
    url = f"/api/v1/incidents/{incident['id']}"
    changed = api.as_(agent).patch(url, {"title": "Exams cannot be submitted",
                                         "groups": ["WEB102-HN"], "version": 1})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["groups"] == ["WEB102-HN"] and changed.json()["version"] == 2
    assert api.as_(agent).patch(url, {"title": "x", "version": 1}).status_code == 409
    assert api.as_(agent).patch(url, {"status": "resolved"}).status_code == 422
    assert api.as_(agent).patch(url, {"cos": "expedite"}).status_code == 422  # no reason
    raised = api.as_(agent).patch(url, {"cos": "expedite", "cos_reason": "final exams"})
    assert raised.json()["cos"] == "expedite" and raised.json()["cos_overridden"]
    assert Incident.objects.get().title == "Exams cannot be submitted"


def test_an_update_needs_a_body_and_a_link_known_tickets(api, agent):
    incident = _open(api, agent)
    url = f"/api/v1/incidents/{incident['id']}"
    assert api.as_(agent).post(f"{url}/updates", {"body": " "}).status_code == 422
    assert api.as_(agent).post(f"{url}/tickets", {"ticket_ids": [12345]}).status_code == 422
    assert api.as_(agent).get("/api/v1/incidents/999").status_code == 404
    assert not IncidentUpdate.objects.exists() and not Ticket.objects.filter(
        incident__isnull=False).exists()


def test_the_list_filters_by_status(api, agent):
    first = _open(api, agent)
    _open(api, agent, title="Grades missing")
    api.as_(agent).post(f"/api/v1/incidents/{first['id']}/resolve", {"resolution": "done"})
    active = api.as_(agent).get("/api/v1/incidents", {"status": "active"}).json()
    assert [i["title"] for i in active["items"]] == ["Grades missing"]
    assert api.as_(agent).get("/api/v1/incidents", {"status": "gone"}).status_code == 422
    page = api.as_(agent).get("/api/v1/incidents", {"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = api.as_(agent).get("/api/v1/incidents", {"cursor": page["next_cursor"]}).json()
    assert [i["id"] for i in rest["items"]] == [first["id"]]
