"""Corrective and preventive action items: owned, due, tracked, reminded once."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from opsdesk.communications.tests.conftest import body_of
from opsdesk.notifications.models import Notification
from opsdesk.postmortems.models import ActionItem
from opsdesk.postmortems.reminders import remind_due_action_items
from opsdesk.postmortems.tests.conftest import SCENARIO


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def add(api: Any, user: Any, incident: Any, **fields: Any) -> Any:
    body = {"title": "Disaster-recovery drills", "kind": "preventive",
            "owner": "dev@dev.example.edu.vn", "due": in_days(30), **fields}
    return api.as_(user).post(f"/api/v1/incidents/{incident.pk}/actions", body)


def test_the_scenarios_actions_are_listed_with_owner_and_due_and_written_up(
        api, agent, manager, engineer, outage):
    for i, action in enumerate(SCENARIO["actions"]):
        owner = engineer.email if i % 2 else engineer.pk  # by email or by id
        response = add(api, manager, outage, owner=owner, due=in_days(14 + i), **action)
        assert response.status_code == 201, response.content
    items = api.as_(agent).get(f"/api/v1/incidents/{outage.pk}/actions").json()["items"]
    assert [(i["title"], i["kind"], i["owner"]["email"], i["status"]) for i in items] == [
        (a["title"], a["kind"], engineer.email, "open") for a in SCENARIO["actions"]]
    markdown = api.as_(agent).get(f"/api/v1/incidents/{outage.pk}/postmortem").content.decode()
    corrective = markdown.split("### Corrective")[1].split("### Preventive")[0]
    assert f"- Review and refactor cascade-prone code — Pham Duc Anh, due {in_days(16)}, " \
           "Open" in corrective
    assert "Disaster-recovery drills" in markdown.split("### Preventive")[1]


@pytest.mark.parametrize(("fields", "errors"), [
    ({"kind": "curative"}, {"kind"}),
    ({"owner": "nobody@example.edu.vn"}, {"owner"}),
    ({"owner": "ngoc.a.le@campus.example.edu.vn"}, {"owner"}),  # a requester owns nothing
    ({"due": "next week"}, {"due"}),
    ({"due": "2020-01-01"}, {"due"}),
    ({"title": "  "}, {"title"}),
    ({"owner": 999999, "due": "2020-01-01"}, {"owner", "due"}),
])
def test_a_bad_action_item_is_refused_with_its_fields_and_nothing_is_stored(
        api, agent, engineer, requester, outage, fields, errors):
    response = add(api, agent, outage, **fields)
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == errors
    assert not ActionItem.objects.exists()


def test_an_item_is_done_dropped_or_opened_again(api, agent, engineer, outage):
    item = add(api, agent, outage).json()
    done = api.as_(agent).patch(f"/api/v1/actions/{item['id']}", {"status": "done"}).json()
    assert done["status"] == "done" and done["closed_at"] is not None
    again = api.as_(agent).patch(f"/api/v1/actions/{item['id']}", {"status": "open"}).json()
    assert again["status"] == "open" and again["closed_at"] is None
    bad = api.as_(agent).patch(f"/api/v1/actions/{item['id']}", {"status": "finished"})
    assert bad.status_code == 422 and "status" in bad.json()["error"]["fields"]
    assert api.as_(agent).patch("/api/v1/actions/999999", {"status": "done"}).status_code == 404


def test_requesters_cannot_see_or_add_action_items(api, requester, engineer, outage):
    assert api.as_(requester).get(f"/api/v1/incidents/{outage.pk}/actions").status_code == 403
    assert add(api, requester, outage).status_code == 403
    assert api.as_(requester).get("/api/v1/incidents/999999/actions").status_code == 403


def item(incident: Any, owner: Any, due: date, **fields: Any) -> ActionItem:
    return ActionItem.objects.create(incident=incident, owner=owner, due=due,
                                     created_by=owner, title=fields.pop("title", "Drills"),
                                     kind="preventive", **fields)


def test_owners_are_emailed_once_before_the_due_date(
        engineer, manager, outage, smtp, run_tasks, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    soon = item(outage, engineer, today + timedelta(days=2), title="Test rare sequences")
    later = item(outage, manager, today + timedelta(days=3), title="Refactor cascades")
    item(outage, manager, today, title="Done already", status="done")
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_due_action_items() == 1
    run_tasks()
    [(to, mail)] = smtp.received
    assert to == [engineer.email]
    assert mail["Subject"] == f"[{outage.ref}] Action item due {soon.due:%Y-%m-%d}: " \
                              "Test rare sequences"
    assert "is due in 2 days" in body_of(mail) and outage.title in body_of(mail)
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_due_action_items() == 0  # once
    tomorrow = timezone.now() + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_due_action_items(now=tomorrow) == 1  # its turn comes
    run_tasks()
    assert [to for to, _ in smtp.received] == [[engineer.email], [manager.email]]
    later.refresh_from_db()
    assert later.reminded_at == tomorrow


def test_a_new_due_date_is_reminded_again(api, agent, engineer, outage):
    created = add(api, agent, outage, due=in_days(1)).json()
    assert remind_due_action_items() == 1
    api.as_(agent).patch(f"/api/v1/actions/{created['id']}", {"due": in_days(2)})
    assert remind_due_action_items() == 1
    assert Notification.objects.filter(recipient=engineer, kind="action_item_due").count() == 2


def test_the_reminder_window_is_a_setting(engineer, outage, settings):
    item(outage, engineer, timezone.localdate() + timedelta(days=5))
    assert remind_due_action_items() == 0
    settings.OPSDESK_ACTION_REMINDER_DAYS = 5
    assert remind_due_action_items() == 1
