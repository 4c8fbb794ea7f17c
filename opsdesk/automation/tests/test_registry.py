"""A new action kind is an `ActionKind` in the table `action_kinds.ACTIONS` (run_playbook
is one, from the playbooks app; this test puts a stand-in kind of its own beside it)."""

import pytest

from opsdesk.automation.action_kinds import ACTIONS
from opsdesk.automation.actions import ActionKind
from opsdesk.automation.definition import DefinitionError
from opsdesk.automation.engine import rehearse
from opsdesk.automation.models import AutomationRun
from opsdesk.automation.validation import problems_in

pytestmark = pytest.mark.django_db


STAND_IN = "open_change_request"


@pytest.fixture
def playbook_calls(monkeypatch):
    """A stand-in action kind: records each real call, rehearses without acting."""
    calls = []

    def validate(spec):
        if spec.get("playbook") != "login_recovery":
            raise DefinitionError("playbook", f"unknown playbook {spec.get('playbook')!r}")

    def run(ctx, spec):
        calls.append((ctx.ticket.pk, ctx.run.pk, ctx.actor.role))
        return {"decision": "reactivate"}

    monkeypatch.setitem(ACTIONS, STAND_IN, ActionKind(
        name=STAND_IN, keys=frozenset({"playbook"}), validate=validate, run=run,
        describe=lambda s: f"run the {s['playbook']} playbook",
        rehearse=lambda ctx, s: {"decision": "reactivate", "dry_run": True}))
    return calls


def test_a_registered_kind_is_validated_like_the_others(playbook_calls):
    found = problems_in(trigger="ticket_created", conditions=[],
                        actions=[{"action": STAND_IN, "playbook": "reboot"},
                                 {"action": STAND_IN, "playbook": "login_recovery",
                                  "force": True}])
    assert [str(p) for p in found] == [
        "actions[0].playbook: unknown playbook 'reboot'",
        "actions[1].force: unknown key 'force'; use action, playbook"]


def test_a_registered_kind_runs_as_the_system_within_the_recorded_run(playbook_calls,
                                                                      make_rule, make_ticket):
    make_rule("ticket_created", [{"action": STAND_IN, "playbook": "login_recovery"}])
    ticket = make_ticket()
    run = AutomationRun.objects.get(ticket=ticket)
    assert playbook_calls == [(ticket.pk, run.pk, "system")]
    assert run.steps.get(kind="action").output == {"decision": "reactivate"}


def test_a_dry_run_rehearses_instead_of_running(playbook_calls, make_rule, make_ticket, agent):
    ticket = make_ticket()
    rule = make_rule("ticket_created", [{"action": STAND_IN, "playbook": "login_recovery"}])
    [run] = rehearse(ticket=ticket, rules=[rule], trigger="ticket_created", actor=agent)
    assert playbook_calls == []
    assert run.steps.get().output == {"would_run": True, "decision": "reactivate",
                                      "dry_run": True}


def test_every_kind_is_in_the_table_under_its_own_name():
    assert {name for name, kind in ACTIONS.items() if kind.name == name} == {
        "set_field", "add_tag", "send_template", "add_note", "notify", "run_playbook"}


def test_the_stand_in_sits_beside_the_real_run_playbook(playbook_calls):
    from opsdesk.playbooks import rule_action

    assert ACTIONS[STAND_IN].run is not rule_action.run
    assert ACTIONS["run_playbook"].run is rule_action.run
