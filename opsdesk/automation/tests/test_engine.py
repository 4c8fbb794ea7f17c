"""The engine: rules in order, stop-processing, no loops, failures recorded but harmless."""

from datetime import timedelta

import pytest
import time_machine

from opsdesk.accounts.services import system_user
from opsdesk.automation import engine
from opsdesk.automation.models import AutomationRun
from opsdesk.sla.timers import fire_due_timers
from opsdesk.tickets.models import Message, Ticket
from opsdesk.tickets.services import Impact
from opsdesk.workflows.messages import add_message
from opsdesk.workflows.tickets import change_stage, update_ticket

from .conftest import events, tag_names

pytestmark = pytest.mark.django_db

PRIORITY = "priority"


def set_priority(stars):
    return [{"action": "set_field", "field": PRIORITY, "value": stars}]


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def test_rules_run_in_position_order(make_rule, make_ticket):
    make_rule("ticket_created", set_priority(3), position=20, name="last")
    make_rule("ticket_created", set_priority(0), position=10, name="first")
    ticket = make_ticket()
    assert fresh(ticket).priority == 3
    assert [r.name for r in AutomationRun.objects.order_by("id")] == ["first", "last"]


def test_a_matching_rule_with_stop_processing_is_the_last_to_run(make_rule, make_ticket):
    make_rule("ticket_created", [{"action": "add_tag", "tag": "first"}], position=1,
              stop_processing=True)
    make_rule("ticket_created", [{"action": "add_tag", "tag": "second"}], position=2)
    assert tag_names(make_ticket()) == ["first"]


def test_stop_processing_does_not_apply_when_its_rule_does_not_match(make_rule, make_ticket):
    make_rule("ticket_created", [{"action": "add_tag", "tag": "first"}], position=1,
              stop_processing=True, conditions=[{"field": "cos", "op": "eq",
                                                 "value": "expedite"}])
    make_rule("ticket_created", [{"action": "add_tag", "tag": "second"}], position=2)
    assert tag_names(make_ticket()) == ["second"]


def test_a_disabled_rule_and_other_triggers_rules_do_not_run(make_rule, make_ticket):
    make_rule("ticket_created", [{"action": "add_tag", "tag": "off"}], enabled=False)
    make_rule("ticket_updated", [{"action": "add_tag", "tag": "updated"}])
    assert tag_names(make_ticket()) == []


def test_a_later_rule_sees_what_an_earlier_one_did(make_rule, make_ticket):
    make_rule("ticket_created", [{"action": "add_tag", "tag": "login"}], position=1)
    make_rule("ticket_created", set_priority(3), position=2,
              conditions=[{"field": "tags", "op": "has", "value": "login"}])
    assert fresh(make_ticket()).priority == 3


def test_a_rule_that_matched_but_changed_nothing_leaves_no_run(make_rule, make_ticket):
    make_rule("ticket_created", [{"action": "add_tag", "tag": "lms"}])
    ticket = make_ticket(tags=["LMS"])
    assert not AutomationRun.objects.filter(ticket=ticket).exists()
    assert events(ticket, "automation") == []


# --- loops -------------------------------------------------------------------------------

def test_an_updated_rule_that_updates_the_ticket_runs_once(make_rule, make_ticket, agent):
    make_rule("ticket_updated", [{"action": "add_tag", "tag": "touched"},
                                 {"action": "add_note", "body": "Seen by the rule."}])
    ticket = make_ticket()
    updated = update_ticket(ticket=ticket, actor=agent, title="New title")
    assert tag_names(ticket) == ["touched"]
    assert AutomationRun.objects.filter(ticket=ticket).count() == 1
    assert Message.objects.filter(ticket=ticket, kind="note").count() == 1
    assert updated.version == fresh(ticket).version  # the caller's ticket is up to date


def test_two_updated_rules_undoing_each_other_stop_after_one_pass(make_rule, make_ticket, agent):
    make_rule("ticket_updated", set_priority(2), position=1,
              conditions=[{"field": PRIORITY, "op": "eq", "value": 1}])
    make_rule("ticket_updated", set_priority(1), position=2,
              conditions=[{"field": PRIORITY, "op": "eq", "value": 2}])
    ticket = make_ticket()
    update_ticket(ticket=ticket, actor=agent, title="Edited")
    assert AutomationRun.objects.filter(ticket=ticket).count() == 2
    assert fresh(ticket).priority == 1


def test_a_created_rule_does_not_trigger_updated_rules(make_rule, make_ticket):
    make_rule("ticket_created", [{"action": "add_tag", "tag": "new"}])
    make_rule("ticket_updated", [{"action": "add_tag", "tag": "updated"}])
    assert tag_names(make_ticket()) == ["new"]


def test_a_stage_change_is_an_update(make_rule, make_ticket, agent):
    make_rule("ticket_updated", [{"action": "add_tag", "tag": "moved"}],
              conditions=[{"field": "stage", "op": "eq", "value": "in_progress"}])
    ticket = make_ticket()
    change_stage(ticket=ticket, actor=agent, to="in_progress")
    assert tag_names(ticket) == ["moved"]


def test_a_loop_through_the_outside_world_is_held_back(make_rule, make_ticket, requester,
                                                       monkeypatch):
    monkeypatch.setattr(engine, "MAX_RUNS_PER_HOUR", 2)
    make_rule("message_received", [{"action": "send_template", "template": "update"}],
              name="Answer every reply")
    ticket = make_ticket()
    for n in range(4):  # e.g. an auto-responder answering each automatic answer
        add_message(ticket=ticket, actor=requester, kind="reply", body=f"Auto-reply {n}")
    assert Message.objects.filter(ticket=ticket, author=system_user(), kind="reply").count() == 2
    outcomes = list(AutomationRun.objects.filter(ticket=ticket).order_by("id")
                    .values_list("outcome", flat=True))
    assert outcomes == ["matched", "matched", "skipped"]
    assert len(events(ticket, "automation_skipped")) == 1


# --- message received --------------------------------------------------------------------

def test_a_reply_from_the_requester_triggers_message_rules(make_rule, make_ticket, requester,
                                                           agent):
    make_rule("message_received", [{"action": "set_field", "field": "stage",
                                    "value": "in_progress"}],
              conditions=[{"field": "message", "op": "contains", "value": "vẫn chưa được"}])
    ticket = make_ticket()
    change_stage(ticket=ticket, actor=agent, to="waiting", waiting_reason="customer")
    add_message(ticket=ticket, actor=agent, kind="reply", body="Vẫn chưa được? Please retry.")
    assert fresh(ticket).stage == "waiting"  # desk staff replies are not "received"
    add_message(ticket=ticket, actor=requester, kind="reply", body="Tôi VẪN CHƯA ĐƯỢC ạ")
    assert fresh(ticket).stage == "in_progress"


# --- failures ----------------------------------------------------------------------------

def test_a_failing_rule_is_undone_and_recorded_and_the_ticket_is_still_created(
        make_rule, make_ticket, dev_team, api, agent, requester):
    ops = type(dev_team).objects.create(name="Ops")
    make_rule("ticket_created", [{"action": "add_tag", "tag": "routed"},
                                 {"action": "set_field", "field": "team", "value": "Ops"}],
              name="Route to Ops", position=1)
    make_rule("ticket_created", [{"action": "add_tag", "tag": "seen"}], position=2)
    ops.delete()  # the rule was valid when saved

    response = api.as_(agent).post("/api/v1/tickets", {
        "title": "Cannot log in", "requester": {"email": requester.email}})
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert tag_names(ticket) == ["seen"]  # "routed" was undone with the rule, the next ran
    assert response.json()["tags"] == ["seen"]
    run = AutomationRun.objects.get(ticket=ticket, rule__name="Route to Ops")
    assert run.outcome == "failed"
    assert run.error == "set_field: No team named 'Ops'."
    steps = list(run.steps.filter(kind="action"))
    assert steps[0].output == {"tag": "routed", "changed": True, "undone": True}
    assert steps[1].error == "No team named 'Ops'."
    failed = events(ticket, "automation_failed")
    assert len(failed) == 1 and "Route to Ops" in failed[0].body and "Ops" in failed[0].body


def test_a_rule_that_cannot_move_the_stage_fails_alone(make_rule, make_ticket, agent):
    make_rule("ticket_updated", [{"action": "set_field", "field": "stage",
                                  "value": "in_progress"}])
    ticket = make_ticket()
    change_stage(ticket=ticket, actor=agent, to="cancelled")  # cancelled → in progress: illegal
    assert fresh(ticket).stage == "cancelled"
    run = AutomationRun.objects.get(ticket=ticket)
    assert run.outcome == "failed" and "in_progress" in run.error


# --- API and SLA triggers ----------------------------------------------------------------

def test_the_api_answers_with_what_the_rules_did(make_rule, api, agent, requester, dev_team):
    make_rule("ticket_created", [{"action": "set_field", "field": "team", "value": "Dev Team"}],
              conditions=[{"field": "text", "op": "contains", "value": "dang nhap",
                           "ignore_accents": True}])
    response = api.as_(agent).post("/api/v1/tickets", {
        "title": "Không đăng nhập được", "requester": {"email": requester.email},
        "language": "vi"})
    assert response.json()["team"] == "Dev Team"


def test_an_sla_warning_runs_the_sla_rules(make_rule, make_ticket):
    make_rule("sla_warning", [{"action": "add_note", "body": "Acknowledge now!"}],
              conditions=[{"field": "sla_target", "op": "eq", "value": "ack"}])
    with time_machine.travel("2026-02-18 10:00 +07:00", tick=False) as traveller:
        ticket = make_ticket(impact=Impact(affected_users=30))  # Expedite: ack in 10 min
        traveller.shift(timedelta(minutes=8, seconds=30))
        assert fire_due_timers().warned >= 1
    notes = Message.objects.filter(ticket=ticket, kind="note")
    assert [n.body for n in notes] == ["Acknowledge now!"]
    assert AutomationRun.objects.get(ticket=ticket).trigger == "sla_warning"
