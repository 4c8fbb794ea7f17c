"""Scheduled rules act on matching open tickets once per repeat window, whoever runs them."""

from datetime import timedelta

import pytest
import time_machine

from opsdesk.automation.models import AutomationRun
from opsdesk.automation.scheduled import run_scheduled_rules
from opsdesk.schedule import PERIODIC_JOBS
from opsdesk.tickets.models import Message
from opsdesk.workflows.tickets import change_stage

pytestmark = pytest.mark.django_db

STALE = [{"field": "stage", "op": "eq", "value": "waiting"},
         {"field": "hours_since_updated", "op": "gt", "value": 48}]


@pytest.fixture
def clock():
    with time_machine.travel("2026-02-18 10:00 +07:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def reminder(make_rule):
    return make_rule("scheduled", [{"action": "send_template", "template": "update"}],
                     conditions=STALE, repeat_after_minutes=24 * 60, name="Nudge the requester")


def reminders(ticket):
    return Message.objects.filter(ticket=ticket, kind="reply", template="update").count()


def test_the_worker_runs_scheduled_rules_every_minute():
    job = next(j for j in PERIODIC_JOBS if j.name == "scheduled rules")
    assert (job.every_seconds, job.job) == (60, run_scheduled_rules)


def test_a_scheduled_rule_acts_once_per_window(clock, reminder, make_ticket, agent):
    waiting = make_ticket(title="Waiting on the teacher")
    change_stage(ticket=waiting, actor=agent, to="waiting", waiting_reason="customer")
    fresh = make_ticket(title="Just came in")
    clock.shift(timedelta(hours=49))
    assert run_scheduled_rules() == 1
    assert run_scheduled_rules() == 0  # a minute later, or in another worker: not again
    clock.shift(timedelta(hours=23))
    assert run_scheduled_rules() == 0
    assert (reminders(waiting), reminders(fresh)) == (1, 0)
    run = AutomationRun.objects.get(ticket=waiting)
    assert (run.trigger, run.outcome) == ("scheduled", "matched")


def test_it_acts_again_after_the_window_when_the_ticket_still_matches(clock, reminder,
                                                                      make_ticket, agent):
    ticket = make_ticket()
    change_stage(ticket=ticket, actor=agent, to="waiting", waiting_reason="customer")
    clock.shift(timedelta(hours=49))
    run_scheduled_rules()
    # the reminder was a reply, which touched the ticket: it is idle again only 48 h later
    clock.shift(timedelta(hours=24, minutes=1))
    assert run_scheduled_rules() == 0
    clock.shift(timedelta(hours=25))
    assert run_scheduled_rules() == 1
    assert reminders(ticket) == 2


def test_closed_and_cancelled_tickets_are_left_alone(clock, make_rule, make_ticket, agent):
    make_rule("scheduled", [{"action": "add_note", "body": "Still open"}])
    ticket = make_ticket()
    change_stage(ticket=ticket, actor=agent, to="cancelled")
    assert run_scheduled_rules() == 0
    assert not Message.objects.filter(ticket=ticket, kind="note").exists()


def test_text_conditions_are_checked_after_the_sql_filter(clock, make_rule, make_ticket):
    make_rule("scheduled", [{"action": "add_tag", "tag": "login"}],
              conditions=[{"field": "title", "op": "contains", "value": "đăng nhập"},
                          {"field": "cos", "op": "in", "value": ["standard", "priority"]}])
    login = make_ticket(title="Không ĐĂNG NHẬP được")
    make_ticket(title="Bài thi bị lỗi")
    assert run_scheduled_rules() == 1
    login.refresh_from_db()  # the rule changed it through another instance
    assert [t.name for t in login.tags.all()] == ["login"]
