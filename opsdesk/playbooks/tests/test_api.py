"""POST /api/v1/playbooks/{name}/run and POST /api/v1/automation-runs/{id}/retry: desk staff
only, answering with the run and its steps."""

import pytest

from opsdesk.automation.models import AutomationRun

pytestmark = pytest.mark.django_db
RUN = "/api/v1/playbooks/login-recovery/run"


@pytest.fixture(autouse=True)
def _by_hand(settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False


def test_desk_staff_rehearse_a_playbook_and_see_every_step(api, agent, scenario_ticket,
                                                           connectors, lms_fake):
    ticket = scenario_ticket("101")
    answer = api.as_(agent).post(RUN, {"ticket_id": ticket.pk, "dry_run": True})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["kind"], body["name"], body["dry_run"], body["trigger"]) == (
        "playbook", "login_recovery", True, "manual")
    assert (body["result"]["outcome"], body["result"]["action"]) == ("resolved", "reactivate")
    assert body["actor"] == agent.email and body["ticket_id"] == ticket.pk
    names = [s["name"] for s in body["steps"]]
    assert names[:3] == ["check the ticket", "detect a login or account ticket",
                         "find the affected person"]
    assert all({"input", "output", "duration_ms", "error"} <= set(s) for s in body["steps"])
    assert lms_fake.changes() == []


def test_a_real_run_from_the_api_acts_as_the_system(api, manager, scenario_ticket, connectors,
                                                    lms_fake):
    ticket = scenario_ticket("104")
    body = api.as_(manager).post(RUN.replace("-", "_"), {"ticket_id": ticket.pk}).json()
    assert (body["dry_run"], body["outcome"], body["result"]["outcome"]) == (
        False, "matched", "resolved")
    assert len(lms_fake.changes("password_reset")) == 1
    note = ticket.messages.get(kind="note")
    assert note.author.role == "system"
    listed = api.as_(manager).get("/api/v1/automation-runs", {"ticket": ticket.pk}).json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]


@pytest.mark.parametrize("who", ["requester", None])
def test_requesters_and_strangers_cannot_run_playbooks(who, api, request, scenario_ticket,
                                                       connectors, lms_fake):
    ticket = scenario_ticket("101")
    user = request.getfixturevalue(who) if who else None
    answer = api.as_(user).post(RUN, {"ticket_id": ticket.pk})
    assert answer.status_code == (403 if who else 401)
    assert not AutomationRun.objects.exists() and lms_fake.count() == 0


def test_an_unknown_playbook_or_ticket_is_not_found(api, agent, scenario_ticket):
    ticket = scenario_ticket("101")
    missing = api.as_(agent).post("/api/v1/playbooks/reboot-the-lms/run",
                                  {"ticket_id": ticket.pk})
    assert missing.status_code == 404 and "login_recovery" in missing.json()["error"]["message"]
    assert api.as_(agent).post(RUN, {"ticket_id": 999_999}).status_code == 404
    assert api.as_(agent).post(RUN, {"dry_run": True}).status_code == 422


def test_a_failed_run_is_retried_through_the_api(api, agent, requester, scenario_ticket,
                                                 connectors, hr_fake, lms_fake):
    ticket = scenario_ticket("101")
    hr_fake.down()
    failed = api.as_(agent).post(RUN, {"ticket_id": ticket.pk}).json()
    assert failed["outcome"] == "failed" and "HR directory" in failed["error"]
    hr_fake.up()
    retry = f"/api/v1/automation-runs/{failed['id']}/retry"

    assert api.as_(requester).post(retry).status_code == 403
    answer = api.as_(agent).post(retry)

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["id"], body["outcome"], body["result"]["outcome"]) == (
        failed["id"], "matched", "resolved")
    assert len(body["steps"]) > len(failed["steps"])
    assert len(lms_fake.changes("reactivate")) == 1
    again = api.as_(agent).post(retry)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert len(lms_fake.changes("reactivate")) == 1


def test_only_failed_playbook_runs_can_be_retried(api, agent, scenario_ticket, connectors):
    ticket = scenario_ticket("101")
    dry = api.as_(agent).post(RUN, {"ticket_id": ticket.pk, "dry_run": True}).json()
    answer = api.as_(agent).post(f"/api/v1/automation-runs/{dry['id']}/retry")
    assert answer.status_code == 409 and "dry run" in answer.json()["error"]["message"]
    rule_run = AutomationRun.objects.create(ticket=ticket, name="A rule", outcome="failed")
    assert api.as_(agent).post(f"/api/v1/automation-runs/{rule_run.pk}/retry"
                               ).status_code == 409
    assert api.as_(agent).post("/api/v1/automation-runs/999999/retry").status_code == 404


def test_the_playbooks_are_listed_for_desk_staff(api, agent, requester):
    answer = api.as_(agent).get("/api/v1/playbooks")
    assert [p["name"] for p in answer.json()] == ["login_recovery"]
    assert api.as_(requester).get("/api/v1/playbooks").status_code == 403
