"""Each action, run by a rule on ticket creation, acts through the services as the system."""

import pytest

from opsdesk.accounts.services import system_user
from opsdesk.automation.models import AutomationRun
from opsdesk.notifications.models import Notification
from opsdesk.tickets.models import DeliveryStatus, Message, Ticket

from .conftest import events, tag_names

pytestmark = pytest.mark.django_db


def created(make_ticket, **fields) -> Ticket:
    ticket = make_ticket(**fields)
    return Ticket.objects.get(pk=ticket.pk)


def test_it_sets_the_team_the_assignee_and_the_priority(make_rule, make_ticket, dev_team,
                                                        engineer):
    make_rule("ticket_created", [
        {"action": "set_field", "field": "team", "value": "dev team"},
        {"action": "set_field", "field": "assignee", "value": engineer.email},
        {"action": "set_field", "field": "priority", "value": 3},
    ])
    ticket = created(make_ticket)
    assert (ticket.team, ticket.assignee, ticket.priority) == (dev_team, engineer, 3)
    assigned = events(ticket, "assigned")[0]
    assert assigned.author == system_user()


def test_it_moves_the_stage_with_a_waiting_reason(make_rule, make_ticket):
    make_rule("ticket_created", [{"action": "set_field", "field": "stage", "value": "waiting",
                                  "waiting_reason": "third_party"}])
    ticket = created(make_ticket)
    assert (ticket.stage, ticket.waiting_reason) == ("waiting", "third_party")
    assert events(ticket, "stage_changed")[0].data["reason"] == "automation rule “Rule 1”"


def test_it_adds_a_tag_and_keeps_the_others(make_rule, make_ticket):
    make_rule("ticket_created", [{"action": "add_tag", "tag": "login"}])
    ticket = created(make_ticket, tags=["LMS"])
    assert tag_names(ticket) == ["LMS", "login"]


def test_it_replies_from_a_template_in_the_tickets_language(make_rule, make_ticket):
    make_rule("ticket_created", [{"action": "send_template", "template": "ack"}])
    ticket = created(make_ticket, language="vi")
    reply = Message.objects.get(ticket=ticket, kind="reply")
    assert reply.author == system_user() and reply.template == "ack" and reply.public
    assert ticket.ref in reply.body and "Chúng tôi" in reply.body
    assert reply.delivery_status == DeliveryStatus.PENDING  # emailed by the worker


def test_it_adds_an_internal_note(make_rule, make_ticket):
    make_rule("ticket_created", [{"action": "add_note", "body": "Check the HR directory."}])
    ticket = created(make_ticket)
    note = Message.objects.get(ticket=ticket, kind="note")
    assert note.body == "Check the HR directory." and not note.public


def test_it_notifies_a_team_and_a_person(make_rule, make_ticket, dev_team, engineer, manager):
    make_rule("ticket_created", [{"action": "notify", "team": "Dev Team", "message": "Login?"},
                                 {"action": "notify", "user": manager.email}])
    ticket = created(make_ticket)
    told = Notification.objects.filter(ticket=ticket, kind="automation")
    assert sorted(told.values_list("recipient__email", flat=True)) == sorted(
        [engineer.email, manager.email])
    assert "Login?" in told.get(recipient=engineer).body


def test_each_action_is_a_step_of_the_run_and_one_event_names_the_rule(make_rule, make_ticket):
    rule = make_rule("ticket_created", [{"action": "add_tag", "tag": "login"},
                                        {"action": "add_note", "body": "Tagged."}],
                     conditions=[{"field": "text", "op": "contains", "value": "exam"}],
                     name="Tag exam tickets")
    ticket = created(make_ticket, title="Cannot open the exam")
    run = AutomationRun.objects.get(ticket=ticket)
    assert (run.rule, run.outcome, run.dry_run, run.actor) == (rule, "matched", False,
                                                               system_user())
    steps = list(run.steps.all())
    assert [(s.kind, s.name) for s in steps] == [
        ("condition", 'if text contains "exam"'),
        ("action", "then add tag 'login'"),
        ("action", "then add an internal note: 'Tagged.'"),
    ]
    assert steps[0].output == {"matched": True, "found": "exam"}
    assert steps[1].output == {"tag": "login", "changed": True}
    assert all(s.error == "" and s.duration_ms >= 0 for s in steps)
    ran = events(ticket, "automation")
    assert len(ran) == 1 and ran[0].body.startswith("Automation rule “Tag exam tickets”: add tag")
    assert not ran[0].public
