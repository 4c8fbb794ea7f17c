"""The run_playbook action, registered the way the automation app will register it."""

import pytest

from opsdesk.automation.actions import ACTIONS, register_action
from opsdesk.automation.engine import rehearse
from opsdesk.automation.models import AutomationRun, Rule
from opsdesk.automation.validation import problems_in
from opsdesk.playbooks.rule_action import RUN_PLAYBOOK

pytestmark = pytest.mark.django_db
ACTION = {"action": "run_playbook", "playbook": "login_recovery"}


@pytest.fixture(autouse=True)
def registered():
    register_action("run_playbook", **RUN_PLAYBOOK)
    yield
    del ACTIONS["run_playbook"]


def make_rule():
    rule = Rule(name="Login tickets", trigger="ticket_created", actions=[ACTION])
    rule.full_clean()
    rule.save()
    return rule


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
        assert run_tasks() == 2
    rule_run = AutomationRun.objects.get(rule=rule)
    runs = AutomationRun.objects.filter(ticket=ticket, kind="playbook").order_by("pk")
    assert sorted(r.result["outcome"] for r in runs) == ["resolved", "skipped"]
    assert sorted(r.parent_id or 0 for r in runs) == [0, rule_run.pk]
    assert len(lms_fake.changes()) == 1


def test_what_would_happen_is_the_playbooks_dry_run(scenario_ticket, connectors, lms_fake,
                                                    agent, settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    ticket = scenario_ticket("102")
    [run] = rehearse(ticket=ticket, rules=[make_rule()], trigger="ticket_created", actor=agent)
    assert run.steps.get(kind="action").output == {
        "would_run": True, "playbook": "login_recovery", "would": "escalated",
        "action": "none", "reason": "terminated"}
    assert lms_fake.changes() == []
