"""The rules API: managers and admins change rules, desk staff read and test, requesters
nothing; a bad definition gets a 422 naming what is wrong and nothing is stored."""

import pytest

from opsdesk.automation.models import AutomationRun, Rule

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Login tickets to support",
    "trigger": "ticket_created",
    "conditions": [{"field": "text", "op": "contains", "value": ["login", "đăng nhập"]}],
    "actions": [{"action": "add_tag", "tag": "login"}],
}


def test_a_manager_adds_a_rule(api, manager):
    response = api.as_(manager).post("/api/v1/rules", RULE)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created_by"] == manager.email and body["enabled"] is True
    assert body["conditions"] == RULE["conditions"] and body["stop_processing"] is False
    assert Rule.objects.get(pk=body["id"]).actions == RULE["actions"]


def test_an_admin_changes_a_rule(api, admin_user, make_rule):
    rule = make_rule("ticket_created", RULE["actions"])
    response = api.as_(admin_user).patch(f"/api/v1/rules/{rule.pk}",
                                         {"enabled": False, "position": 5})
    assert response.status_code == 200
    rule.refresh_from_db()
    assert (rule.enabled, rule.position) == (False, 5)


@pytest.mark.parametrize("persona", ["agent", "engineer"])
def test_desk_staff_read_and_test_rules_but_do_not_change_them(api, persona, request,
                                                               make_rule, make_ticket):
    user = request.getfixturevalue(persona)
    rule = make_rule("ticket_created", RULE["actions"])
    ticket = make_ticket()
    client = api.as_(user)
    assert client.get("/api/v1/rules").json()[0]["id"] == rule.pk
    assert client.get(f"/api/v1/rules/{rule.pk}").status_code == 200
    assert client.post(f"/api/v1/rules/{rule.pk}/test", {"ticket_id": ticket.pk}).status_code \
        == 200
    refused = client.post("/api/v1/rules", RULE)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert client.patch(f"/api/v1/rules/{rule.pk}", {"enabled": False}).status_code == 403
    assert client.client.delete(f"/api/v1/rules/{rule.pk}",
                                headers=client._headers(None)).status_code == 403
    assert Rule.objects.get(pk=rule.pk).enabled


def test_a_requester_sees_no_rule_and_no_run(api, requester, make_rule, ticket_of_requester):
    make_rule("ticket_created", RULE["actions"])
    client = api.as_(requester)
    assert client.get("/api/v1/rules").status_code == 403
    assert client.get(f"/api/v1/automation-runs?ticket={ticket_of_requester.pk}").status_code \
        == 403


def test_a_bad_rule_is_refused_with_what_is_wrong_and_nothing_is_stored(api, manager):
    response = api.as_(manager).post("/api/v1/rules", {
        **RULE,
        "conditions": [{"field": "text", "op": "matches", "value": "log(in"}],
        "actions": [{"action": "send_template", "template": "welcome"},
                    {"action": "set_field", "field": "team", "value": "Nobody"}],
    })
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"].startswith("The rule is not valid: conditions[0].value: not a valid "
                                       "regular expression")
    assert error["fields"] == {
        "conditions[0].value": error["fields"]["conditions[0].value"],
        "actions[0].template": "unknown template 'welcome'; use ack, update, resolution, "
                               "closure, rating_request",
        "actions[1].value": "no team named 'Nobody'",
    }
    assert not Rule.objects.exists()


def test_an_unknown_trigger_is_refused(api, manager):
    response = api.as_(manager).post("/api/v1/rules", {**RULE, "trigger": "ticket_deleted"})
    assert response.status_code == 422
    assert "trigger" in response.json()["error"]["fields"]
    assert not Rule.objects.exists()


def test_a_bad_change_leaves_the_rule_as_it_was(api, manager, make_rule):
    rule = make_rule("ticket_created", RULE["actions"])
    response = api.as_(manager).patch(f"/api/v1/rules/{rule.pk}",
                                      {"actions": [{"action": "add_tag"}]})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "actions[0].tag": "a tag name of 1 to 64 characters"}
    rule.refresh_from_db()
    assert rule.actions == RULE["actions"]


def test_a_manager_deletes_a_rule_and_its_runs_stay(api, manager, make_rule, make_ticket):
    rule = make_rule("ticket_created", RULE["actions"])
    ticket = make_ticket(title="login broken")
    client = api.as_(manager)
    assert client.client.delete(f"/api/v1/rules/{rule.pk}",
                                headers=client._headers(None)).status_code == 204
    run = AutomationRun.objects.get(ticket=ticket)
    assert run.rule is None and run.name == rule.name


def test_runs_of_a_ticket_are_listed_newest_first_with_their_steps(api, agent, make_rule,
                                                                   make_ticket):
    make_rule("ticket_created", [{"action": "add_tag", "tag": "login"}], name="Tag")
    make_rule("ticket_created", [{"action": "add_note", "body": "Hi"}], name="Note")
    ticket = make_ticket(title="login broken")
    other = make_ticket(title="Exam")
    response = api.as_(agent).get("/api/v1/automation-runs", {"ticket": ticket.pk, "limit": 1})
    body = response.json()
    assert [r["name"] for r in body["items"]] == ["Note"]
    assert body["items"][0]["steps"][0]["name"] == "then add an internal note: 'Hi'"
    rest = api.as_(agent).get("/api/v1/automation-runs",
                              {"ticket": ticket.pk, "cursor": body["next_cursor"]}).json()
    assert [r["name"] for r in rest["items"]] == ["Tag"] and rest["next_cursor"] is None
    one = api.as_(agent).get(f"/api/v1/automation-runs/{body['items'][0]['id']}").json()
    assert one["ticket_id"] == ticket.pk and one["outcome"] == "matched"
    assert other.pk not in {r["ticket_id"] for r in body["items"] + rest["items"]}


def test_testing_on_a_missing_ticket_is_a_404(api, agent, make_rule):
    rule = make_rule("ticket_created", RULE["actions"])
    response = api.as_(agent).post(f"/api/v1/rules/{rule.pk}/test", {"ticket_id": 999})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No ticket 999."
