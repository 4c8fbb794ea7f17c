"""SLA in the API: clocks on the ticket, filters, the breaching-soon queue, policies."""

from datetime import UTC, datetime, timedelta

import time_machine

from opsdesk.accounts.models import User
from opsdesk.sla.timers import fire_due_timers

RECEIVED = datetime(2026, 2, 20, 8, 10, tzinfo=UTC)


def _create(client, users, title="Exam submission down"):
    body = {"title": title, "requester": {"name": "Le Ngoc A", "email": "a@campus.example.edu.vn"},
            "impact": {"affected_users": users}}
    response = client.post("/api/v1/tickets", body)
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_new_ticket_shows_its_clocks(api, agent):
    with time_machine.travel(RECEIVED, tick=False):
        ticket = _create(api.as_(agent), users=54)
    clocks = {c["target"]: c for c in ticket["sla"]}
    assert clocks["intake"]["status"] == "met"
    assert clocks["ack"]["status"] == "running"
    assert clocks["ack"]["due_at"] == "2026-02-20T08:20:00Z"
    assert clocks["resolve"]["due_at"] == "2026-02-20T12:10:00Z"


def test_it_lists_breached_and_warned_tickets(api, agent):
    client = api.as_(agent)
    with time_machine.travel(RECEIVED, tick=False) as clock:
        expedite = _create(client, users=54)
        priority = _create(client, users=10)
        clock.move_to(RECEIVED + timedelta(minutes=12))  # Expedite ack (10) breached,
        fire_due_timers()                                # Priority ack (15) past 80 %
        breached = client.get("/api/v1/tickets", {"sla_status": "breached"}).json()["items"]
        warning = client.get("/api/v1/tickets", {"sla_status": "warning"}).json()["items"]
    assert [t["id"] for t in breached] == [expedite["id"]]
    assert [t["id"] for t in warning] == [priority["id"]]


def test_unknown_sla_status_is_refused(api, agent):
    response = api.as_(agent).get("/api/v1/tickets", {"sla_status": "late"})
    assert response.status_code == 422
    assert "sla_status" in response.json()["error"]["fields"]


def test_breaching_soon_orders_by_the_next_due_clock_and_pages(api, agent):
    client = api.as_(agent)
    with time_machine.travel(RECEIVED, tick=False) as clock:
        standard = _create(client, users=1)   # ack 30 business minutes
        clock.move_to(RECEIVED + timedelta(minutes=1))
        priority = _create(client, users=10)  # ack due 08:26
        expedite = _create(client, users=54)  # ack due 08:21
    first = client.get("/api/v1/tickets", {"order": "breaching_soon", "limit": 2}).json()
    assert [t["id"] for t in first["items"]] == [expedite["id"], priority["id"]]
    rest = client.get("/api/v1/tickets", {"order": "breaching_soon", "limit": 2,
                                          "cursor": first["next_cursor"]}).json()
    assert [t["id"] for t in rest["items"]] == [standard["id"]]
    assert rest["next_cursor"] is None


def test_the_timeline_shows_clock_events_to_staff_only(api, agent):
    ticket = _create(api.as_(agent), users=54)
    staff_view = api.as_(agent).get(f"/api/v1/tickets/{ticket['id']}/timeline").json()
    assert any(e["source"] == "sla" and e["event"] == "sla_started" for e in staff_view["items"])
    requester = User.objects.get(email="a@campus.example.edu.vn")
    own_view = api.as_(requester).get(f"/api/v1/tickets/{ticket['id']}/timeline").json()
    assert all(e["source"] == "message" for e in own_view["items"])


def test_policies_are_listed_in_the_order_they_are_tried_a_page_at_a_time(api, agent, manager):
    first = api.as_(agent).get("/api/v1/sla/policies").json()["items"][0]
    added = api.as_(manager).post("/api/v1/sla/policies", {
        "name": "Expedite exams", "cos": "expedite", "tag": "exam",
        "position": first["position"]})  # a tie: the id breaks it
    assert added.status_code == 201, added.json()
    everything = api.as_(agent).get("/api/v1/sla/policies").json()
    assert everything["next_cursor"] is None
    paged, params = [], {"limit": 2}
    while True:
        page = api.as_(agent).get("/api/v1/sla/policies", params).json()
        paged += page["items"]
        if page["next_cursor"] is None:
            break
        params = {"limit": 2, "cursor": page["next_cursor"]}
    order = [(p["position"], p["id"]) for p in everything["items"]]
    assert order == sorted(order) and len(order) > 2
    assert [(p["position"], p["id"]) for p in paged] == order


def test_a_policy_cursor_that_names_no_policy_is_refused(api, agent):
    response = api.as_(agent).get("/api/v1/sla/policies", {"cursor": "WyJ4Il0"})  # ["x"]
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"cursor": "not valid"}


def test_a_manager_changes_a_policy_and_new_tickets_follow_it(api, agent, manager):
    policies = api.as_(agent).get("/api/v1/sla/policies").json()["items"]
    expedite = next(p for p in policies if p["cos"] == "expedite")
    changed = api.as_(manager).patch(f"/api/v1/sla/policies/{expedite['id']}",
                                     {"ack_minutes": 5})
    assert changed.status_code == 200, changed.json()
    with time_machine.travel(RECEIVED, tick=False):
        ticket = _create(api.as_(agent), users=54)
    ack = next(c for c in ticket["sla"] if c["target"] == "ack")
    assert ack["due_at"] == "2026-02-20T08:15:00Z"


def test_an_agent_cannot_change_policies(api, agent):
    policy = api.as_(agent).get("/api/v1/sla/policies").json()["items"][0]
    response = api.as_(agent).patch(f"/api/v1/sla/policies/{policy['id']}", {"ack_minutes": 1})
    assert response.status_code == 403


def test_an_invalid_policy_is_refused_and_nothing_is_stored(api, admin_user):
    before = len(api.as_(admin_user).get("/api/v1/sla/policies").json()["items"])
    response = api.as_(admin_user).post("/api/v1/sla/policies", {
        "name": "Broken", "cos": "priority", "calendar": "No such calendar"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"calendar": "unknown"}
    assert len(api.as_(admin_user).get("/api/v1/sla/policies").json()["items"]) == before
