"""The run_playbook action of rules, as the playbooks app registers it at start-up."""

import pytest

from opsdesk.automation import services as rule_services
from opsdesk.automation.action_kinds import ACTIONS
from opsdesk.automation.engine import rehearse
from opsdesk.automation.models import AutomationRun, Rule
from opsdesk.automation.validation import problems_in
from opsdesk.playbooks import rule_action

from .conftest import replies

pytestmark = pytest.mark.django_db
ACTION = {"action": "run_playbook", "playbook": "login_recovery"}
LOGIN_WORDS = {"field": "text", "op": "contains", "value": ["log in", "đăng nhập"],
               "ignore_accents": True}


def make_rule(conditions=()):
    rule = Rule(name="Login tickets", trigger="ticket_created", actions=[ACTION],
                conditions=list(conditions))
    rule.full_clean()
    rule.save()
    return rule


def test_the_app_registers_the_action_at_start_up():
    assert ACTIONS["run_playbook"].run is rule_action.run
    assert ACTIONS["run_playbook"].rehearse is rule_action.rehearse


def test_a_manager_adds_a_rule_that_runs_the_playbook(manager):
    rule = rule_services.create_rule(actor=manager, name="Login recovery by rule",
                                     trigger="ticket_created", conditions=[LOGIN_WORDS],
                                     actions=[ACTION])
    assert Rule.objects.get(pk=rule.pk).actions == [ACTION]


def test_a_rule_runs_login_recovery_on_a_matching_ticket(worked, connectors, lms_fake,
                                                         settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False  # only the rule starts the playbook
    rule = make_rule([LOGIN_WORDS])
    ticket = worked("101")
    rule_run = AutomationRun.objects.get(rule=rule, ticket=ticket)
    playbook = AutomationRun.objects.get(ticket=ticket, kind="playbook")
    assert playbook.parent_id == rule_run.pk and playbook.trigger == "ticket_created"
    assert playbook.result["outcome"] == "resolved"
    assert playbook.result["action"] == "reactivate"
    assert [c.action for c in lms_fake.changes()] == ["reactivate"]
    assert ticket.stage == "resolved" and len(replies(ticket)) == 1


def test_a_rule_whose_conditions_fail_runs_no_playbook(worked, connectors, lms_fake, settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    make_rule([LOGIN_WORDS])
    ticket = worked("103")  # a video that does not play
    assert not AutomationRun.objects.filter(ticket=ticket).exists()
    assert lms_fake.changes() == []


def test_an_unknown_playbook_is_refused():
    found = problems_in(trigger="ticket_created", conditions=[],
                        actions=[{"action": "run_playbook", "playbook": "reboot"}])
    assert [str(p) for p in found] == [
        "actions[0].playbook: unknown playbook 'reboot'; use login_recovery"]


def test_a_rule_queues_the_playbook_as_a_child_of_its_run_and_it_works_the_ticket_once(
        scenario_ticket, connectors, lms_fake, run_tasks, django_capture_on_commit_callbacks):
    rule = make_rule()  # and the automatic trigger is on too: two queued, one works
    with django_capture_on_commit_callbacks(execute=True):
        ticket = scenario_ticket("101")
    with django_capture_on_commit_callbacks(execute=True):
        assert run_tasks() == 3  # the two playbook jobs, and the new ticket's fan-out
    rule_run = AutomationRun.objects.get(rule=rule)
    runs = AutomationRun.objects.filter(ticket=ticket, kind="playbook").order_by("pk")
    assert sorted(r.result["outcome"] for r in runs) == ["resolved", "skipped"]
    assert sorted(r.parent_id or 0 for r in runs) == [0, rule_run.pk]
    assert len(lms_fake.changes()) == 1
    # the requester hears once: the playbook's answer (no ACK for a ticket already resolved)
    assert ticket.messages.filter(kind="reply").count() == 1


def test_what_would_happen_is_the_playbooks_dry_run(scenario_ticket, connectors, lms_fake,
                                                    agent, settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    ticket = scenario_ticket("102")
    [run] = rehearse(ticket=ticket, rules=[make_rule()], trigger="ticket_created", actor=agent)
    assert run.steps.get(kind="action").output == {
        "would_run": True, "playbook": "login_recovery", "would": "escalated",
        "action": "none", "reason": "terminated"}
    assert lms_fake.changes() == []
