"""A rule that does not validate is refused with a message naming what is wrong."""

import pytest
from django.core.exceptions import ValidationError

from opsdesk.automation.models import Rule
from opsdesk.automation.validation import problems_in

pytestmark = pytest.mark.django_db

TAG = [{"action": "add_tag", "tag": "login"}]
COS = [{"field": "cos", "op": "eq", "value": "expedite"}]


def problems(trigger="ticket_created", conditions=COS, actions=TAG):
    return [str(p) for p in problems_in(trigger=trigger, conditions=conditions, actions=actions)]


def test_a_valid_rule_has_no_problem(dev_team, agent):
    assert problems(conditions=[
        {"field": "text", "op": "matches", "value": r"log\s?in|đăng nhập"},
        {"any": [{"field": "team", "op": "eq", "value": "dev team"},
                 {"field": "assignee", "op": "in", "value": [agent.email, None]}]},
    ], actions=[
        {"action": "set_field", "field": "stage", "value": "waiting",
         "waiting_reason": "customer"},
        {"action": "send_template", "template": "ack", "language": "vi"},
        {"action": "notify", "team": "Dev Team", "message": "Look"},
        {"action": "add_note", "body": "Checked by a rule"},
    ]) == []


@pytest.mark.parametrize(("conditions", "expected"), [
    ([{"field": "colour", "op": "eq", "value": "red"}],
     "conditions[0].field: unknown field 'colour'; use affected_users,"),
    ([{"field": "priority", "op": "like", "value": 2}],
     "conditions[0].op: unknown operator 'like' for priority; use eq, ne, in, not_in, gt,"),
    ([{"field": "cos", "op": "eq", "value": "urgent"}],
     "conditions[0].value: 'urgent' is not one of 'expedite', 'priority',"),
    ([{"field": "priority", "op": "gt", "value": 7}],
     "conditions[0].value: 7 is outside 0 to 3"),
    ([{"field": "text", "op": "matches", "value": "log(in"}],
     "conditions[0].value: not a valid regular expression: missing ), unterminated subpattern"),
    ([{"field": "team", "op": "eq", "value": "Ops"}],
     "conditions[0].value: no team named 'Ops'"),
    ([{"field": "message", "op": "contains", "value": "help"}],
     "conditions[0].field: message is known only on message_received rules"),
    ([{"field": "cos", "op": "eq"}], "conditions[0].value: required"),
    ([{"field": "cos", "op": "eq", "value": "expedite", "vaule": 1}],
     "conditions[0].vaule: unknown key 'vaule'; use field, ignore_accents, op, value"),
    ([{"any": [COS[0], {"field": "tags", "op": "has", "value": ""}]}],
     "conditions[0].any[1].value: a tag name of 1 to 64 characters"),
    ("cos = expedite", "conditions: conditions must be a list"),
])
def test_a_bad_condition_is_named(conditions, expected):
    found = problems(conditions=conditions)
    assert len(found) == 1 and found[0].startswith(expected), found


@pytest.mark.parametrize(("actions", "expected"), [
    ([], "actions: a rule needs at least one action"),
    ([{"action": "delete_ticket"}],
     "actions[0].action: unknown action 'delete_ticket'; use add_note, add_tag, notify,"),
    ([{"action": "send_template", "template": "welcome"}],
     "actions[0].template: unknown template 'welcome'; use ack, update, resolution,"),
    ([{"action": "send_template", "template": "dev_alert"}],
     "actions[0].template: not a template for the requester 'dev_alert'"),
    ([{"action": "set_field", "field": "team", "value": "Ops"}],
     "actions[0].value: no team named 'Ops'"),
    ([{"action": "notify", "team": "Ops"}], "actions[0].team: no team named 'Ops'"),
    ([{"action": "set_field", "field": "stage", "value": "waiting"}],
     "actions[0].waiting_reason: waiting needs a reason: customer, dev_team, third_party"),
    ([{"action": "set_field", "field": "stage", "value": "closed"}],
     "actions[0].value: a rule moves a ticket to in_progress, waiting, resolved, cancelled"),
    ([{"action": "set_field", "field": "cos", "value": "expedite"}],
     "actions[0].field: unknown field 'cos'; a rule sets team, assignee, priority, stage"),
    ([{"action": "set_field", "field": "assignee", "value": "someone@example.com"}],
     "actions[0].value: 'someone@example.com' is not the email of a desk staff member"),
    ([TAG[0], {"action": "add_tag", "tag": "x", "colour": "red"}],
     "actions[1].colour: unknown key 'colour'; use action, tag"),
])
def test_a_bad_action_is_named(actions, expected):
    found = problems(actions=actions)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_a_requester_is_no_assignee(requester):
    found = problems(actions=[{"action": "set_field", "field": "assignee",
                               "value": requester.email}])
    assert found == [f"actions[0].value: {requester.email!r} is not the email of a desk staff "
                     "member"]


def test_every_problem_is_reported_at_once():
    found = problems(conditions=[{"field": "colour", "op": "eq", "value": 1}, COS[0],
                                 {"field": "cos", "op": "~", "value": "x"}],
                     actions=[{"action": "explode"}])
    assert [f.split(":")[0] for f in found] == ["conditions[0].field", "conditions[2].op",
                                                "actions[0].action"]


def test_the_model_refuses_a_bad_definition_with_the_same_message():
    rule = Rule(name="Route", trigger="ticket_created",
                conditions=[{"field": "text", "op": "matches", "value": "("}],
                actions=[{"action": "set_field", "field": "team", "value": "Ops"}])
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    errors = refused.value.message_dict
    assert errors["conditions"][0].startswith("conditions[0].value: not a valid regular expression")
    assert errors["actions"] == ["actions[0].value: no team named 'Ops'"]
    assert not Rule.objects.exists()
