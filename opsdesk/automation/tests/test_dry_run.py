"""What would happen: a dry run decides and records, and changes nothing on the ticket."""

from typing import Any

import pytest
from django.forms.models import model_to_dict

from opsdesk.automation.models import AutomationRun
from opsdesk.notifications.models import ChannelDelivery, Notification
from opsdesk.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

LOGIN = [{"field": "text", "op": "contains", "value": ["login", "đăng nhập"]}]


def snapshot(ticket: Ticket) -> dict[str, Any]:
    fresh = Ticket.objects.get(pk=ticket.pk)
    return {"ticket": model_to_dict(fresh, exclude=["tags", "followers"]),
            "tags": sorted(t.name for t in fresh.tags.all()),
            "messages": list(Message.objects.filter(ticket=ticket).values()),
            "notifications": Notification.objects.count(),
            "deliveries": ChannelDelivery.objects.count()}


@pytest.fixture
def busy_rule(make_rule, dev_team, engineer):
    """A rule that, for real, would change almost everything there is to change."""
    return make_rule("ticket_updated", [
        {"action": "add_tag", "tag": "login"},
        {"action": "set_field", "field": "team", "value": "Dev Team"},
        {"action": "set_field", "field": "assignee", "value": engineer.email},
        {"action": "set_field", "field": "priority", "value": 3},
        {"action": "set_field", "field": "stage", "value": "waiting",
         "waiting_reason": "dev_team"},
        {"action": "send_template", "template": "ack"},
        {"action": "add_note", "body": "Routed."},
        {"action": "notify", "team": "Dev Team"},
    ], conditions=LOGIN, name="Route login tickets")


def test_a_dry_run_changes_nothing_and_says_what_would_happen(api, agent, make_ticket,
                                                              busy_rule):
    ticket = make_ticket(title="Không đăng nhập được")
    before = snapshot(ticket)
    response = api.as_(agent).post(f"/api/v1/rules/{busy_rule.pk}/test", {"ticket_id": ticket.pk})
    assert response.status_code == 200
    assert snapshot(ticket) == before
    body = response.json()
    assert body["matched"] == [busy_rule.pk]
    run = body["runs"][0]
    assert (run["dry_run"], run["outcome"], run["actor"]) == (True, "matched", agent.email)
    assert run["result"]["actions"][:2] == ["add tag 'login'", "set team to 'Dev Team'"]
    assert [s["kind"] for s in run["steps"]] == ["condition"] + ["action"] * 8
    assert run["steps"][0]["output"] == {"matched": True, "found": "đăng nhập"}
    assert all(s["output"]["would_run"] for s in run["steps"][1:])


def test_a_dry_run_of_a_rule_that_does_not_match_shows_why(api, agent, make_ticket, busy_rule):
    ticket = make_ticket(title="Exam page is slow")
    body = api.as_(agent).post(f"/api/v1/rules/{busy_rule.pk}/test",
                               {"ticket_id": ticket.pk}).json()
    assert body["matched"] == []
    run = body["runs"][0]
    assert run["outcome"] == "not_matched" and run["result"]["actions"] == []
    assert run["steps"] == [{**run["steps"][0], "output": {"matched": False, "found": None}}]


def test_a_dry_run_of_a_trigger_follows_order_and_stop_processing(api, agent, make_rule,
                                                                  make_ticket):
    ticket = make_ticket(title="Printer")
    first = make_rule("ticket_created", [{"action": "add_tag", "tag": "login"}], position=1)
    second = make_rule("ticket_created", [{"action": "add_tag", "tag": "vip"}], position=2,
                       stop_processing=True,
                       conditions=[{"field": "tags", "op": "has", "value": "login"}])
    make_rule("ticket_created", [{"action": "add_tag", "tag": "never"}], position=3)
    before = snapshot(ticket)
    body = api.as_(agent).post("/api/v1/rules/test", {"ticket_id": ticket.pk,
                                                     "trigger": "ticket_created"}).json()
    # the second rule sees the tag the first would add; the third is never reached
    assert body["matched"] == [first.pk, second.pk]
    assert [r["rule_id"] for r in body["runs"]] == [first.pk, second.pk]
    assert body["runs"][1]["result"]["stops_later_rules"] is True
    assert snapshot(ticket) == before
    assert set(AutomationRun.objects.values_list("dry_run", flat=True)) == {True}


def test_a_message_rule_is_tested_on_the_requesters_latest_reply(api, agent, requester,
                                                                 make_rule, make_ticket):
    from opsdesk.workflows.messages import add_message

    rule = make_rule("message_received", [{"action": "add_note", "body": "Still broken"}],
                     conditions=[{"field": "message", "op": "contains", "value": "vẫn lỗi"}])
    ticket = make_ticket()
    add_message(ticket=ticket, actor=requester, kind="reply", body="Vẫn lỗi ạ")
    add_message(ticket=ticket, actor=agent, kind="reply", body="Thanks")
    AutomationRun.objects.all().delete()
    Message.objects.filter(ticket=ticket, kind="note").delete()
    body = api.as_(agent).post(f"/api/v1/rules/{rule.pk}/test", {"ticket_id": ticket.pk}).json()
    assert body["matched"] == [rule.pk]
    assert not Message.objects.filter(ticket=ticket, kind="note").exists()
