"""Each business event does its steps in order: what the timeline, the clocks, the index
of open tickets, the rules and the queue show after it."""

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from opsdesk.automation.models import AutomationRun, Rule
from opsdesk.duplicates.models import IndexedTerm
from opsdesk.sla.models import SlaClock, SlaEvent
from opsdesk.tickets.escalations import Handoff
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import Message, Ticket
from opsdesk.tickets.services import TicketDraft
from opsdesk.tickets.stages import CloseSummary
from opsdesk.workflows import escalations as escalation_workflow
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

pytestmark = pytest.mark.django_db

EXAM_OUTAGE = Impact(affected_users=54, blocking=True, critical_function=True,
                     critical_function_label="exam submission", failure_rate=1.0)


def events(ticket: Ticket) -> list[str]:
    """The ticket's timeline entries in the order they were written: events by name."""
    return [m.event or m.kind for m in Message.objects.filter(ticket=ticket).order_by("pk")]


def clocks(ticket: Ticket) -> dict[str, str]:
    return dict(SlaClock.objects.filter(ticket=ticket).values_list("target", "status"))


def queued(task_name: str) -> list[dict[str, Any]]:
    return [row.args_kwargs["kwargs"] for row in DBTaskResult.objects.ready()
            if row.task_path.endswith(task_name)]


def tag_rule(when: str, tag: str) -> Rule:
    rule = Rule(name=f"Tag {tag}", trigger=when, conditions=[],
                actions=[{"action": "add_tag", "tag": tag}])
    rule.full_clean()
    rule.save()
    return rule


def open_outage(agent: Any, requester: Any, title: str = "Exam submission fails") -> Ticket:
    return ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title=title, description="System error when submitting",
        impact=EXAM_OUTAGE))


def test_opening_a_ticket_classifies_starts_clocks_links_runs_rules_then_queues_the_fan_out(
        agent, requester, other_requester, django_capture_on_commit_callbacks):
    tag_rule("ticket_created", "triaged")
    first = open_outage(agent, requester)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_outage(agent, other_requester, title="Cannot submit the exam")

    assert ticket.cos == "expedite" and "54 users > 25" in ticket.cos_rationale
    assert clocks(ticket) == {"intake": "met", "ack": "running", "resolve": "running"}
    assert ticket.duplicate_candidates.filter(candidate=first).exists()
    assert events(ticket) == ["created", "tags_changed", "automation"]  # classified, the rule
    assert AutomationRun.objects.filter(ticket=ticket, outcome="matched").exists()
    assert queued("fan_out_new_tickets") == [{"ticket_ids": [ticket.pk],
                                              "actor_id": agent.pk}]


def test_the_fan_out_is_queued_only_once_the_ticket_is_committed(agent, requester):
    open_outage(agent, requester)  # the test's transaction never commits
    assert queued("fan_out_new_tickets") == []


def test_a_staff_reply_meets_the_ack_clock_and_is_emailed_from_the_worker(
        agent, requester, django_capture_on_commit_callbacks):
    ticket = open_outage(agent, requester)
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_workflow.add_message(ticket=ticket, actor=agent, kind="reply",
                                             body="We are on it; use the paper form.")
    assert clocks(ticket)["ack"] == "met" and clocks(ticket)["update"] == "running"
    assert Message.objects.get(pk=reply.pk).delivery_status == "pending"
    assert queued("send_reply_email") == [{"message_id": reply.pk}]


def test_a_note_meets_no_clock_and_is_emailed_to_no_one(
        agent, requester, django_capture_on_commit_callbacks):
    ticket = open_outage(agent, requester)
    with django_capture_on_commit_callbacks(execute=True):
        message_workflow.add_message(ticket=ticket, actor=agent, kind="note", body="Slow query")
    assert clocks(ticket)["ack"] == "running" and queued("send_reply_email") == []


def test_the_requesters_reply_runs_the_message_received_rules(agent, requester):
    tag_rule("message_received", "answered-back")
    ticket = open_outage(agent, requester)
    message_workflow.add_message(ticket=ticket, actor=requester, kind="reply", body="Still down")
    assert events(ticket)[-3:] == ["reply", "tags_changed", "automation"]
    assert clocks(ticket)["ack"] == "running"  # the requester's own message is no answer


def test_a_new_impact_reclassifies_retimes_and_tells_whom_the_new_class_concerns(
        agent, requester, manager):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Quiz slow", impact=Impact(affected_users=3)))
    due_before = SlaClock.objects.get(ticket=ticket, target="ack").due_at
    ticket_workflow.update_ticket(ticket=ticket, actor=agent,
                                  impact=Impact(affected_users=40, blocking=True))
    assert events(ticket)[1:] == ["impact_changed", "cos_changed", "sla_retimed", "reply",
                                  "fanout"]  # the fan-out's ACK, then what it told
    assert SlaClock.objects.get(ticket=ticket, target="ack").due_at < due_before
    assert manager.notifications.filter(ticket=ticket, kind="manager_notice").exists()


def test_a_class_set_by_hand_retimes_the_clocks(agent, requester):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Quiz slow", impact=Impact(affected_users=3)))
    ticket_workflow.override_cos(ticket=ticket, actor=agent, cos="priority",
                                 reason="the dean's class")
    assert events(ticket)[1:3] == ["cos_overridden", "sla_retimed"]
    assert SlaEvent.objects.filter(ticket=ticket, kind="retimed").exists()


def test_a_retitled_open_ticket_is_compared_by_its_new_words(agent, requester):
    ticket = open_outage(agent, requester)
    ticket_workflow.update_ticket(ticket=ticket, actor=agent, title="Projector broken")
    terms = set(IndexedTerm.objects.filter(ticket=ticket).values_list("term", flat=True))
    assert "projector" in terms and "exam" not in terms
    assert events(ticket)[-1] == "title_changed"


def test_waiting_on_the_customer_pauses_the_update_clock(agent, requester):
    ticket = open_outage(agent, requester)
    message_workflow.add_message(ticket=ticket, actor=agent, kind="reply", body="On it.")
    ticket_workflow.change_stage(ticket=ticket, actor=agent, to="waiting",
                                 waiting_reason="customer")
    assert clocks(ticket)["update"] == "paused"
    assert events(ticket)[-1] == "stage_changed"


def test_resolving_meets_the_clocks_leaves_the_duplicate_check_then_runs_the_rules(
        agent, requester):
    tag_rule("ticket_updated", "touched")
    ticket = open_outage(agent, requester)
    ticket_workflow.change_stage(ticket=ticket, actor=agent, to="resolved",
                                 waive_verification="checked by phone")
    assert clocks(ticket)["resolve"] == "met"
    assert not IndexedTerm.objects.filter(ticket=ticket).exists()
    assert events(ticket)[-3:] == ["stage_changed", "tags_changed", "automation"]


def test_closing_sends_the_closure_message_then_the_rating_request(agent, requester):
    ticket = open_outage(agent, requester)
    ticket_workflow.change_stage(ticket=ticket, actor=agent, to="resolved",
                                 waive_verification="checked by phone")
    ticket_workflow.change_stage(ticket=ticket, actor=agent, to="closed", summary=CloseSummary(
        root_cause="A full disk", resolution="Disk cleaned"))
    assert events(ticket)[-3:] == ["stage_changed", "reply", "reply"]
    templates = list(Message.objects.filter(ticket=ticket, kind="reply")
                     .order_by("pk").values_list("template", flat=True))
    assert templates[-2:] == ["closure", "rating_request"]


def test_an_escalation_is_recorded_meets_its_clock_and_is_sent_to_the_team(
        agent, requester, dev_team, django_capture_on_commit_callbacks):
    ticket = open_outage(agent, requester)
    ticket_workflow.change_stage(ticket=ticket, actor=agent, to="in_progress")
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalation_workflow.escalate(
            ticket=ticket, actor=agent, team=dev_team, handoff=Handoff(
                impact_summary="54 students", findings="500 on submit", hypothesis="disk",
                workaround_status="paper form", ask="temporary fix", update_cadence_minutes=10))
    assert events(ticket)[-1] == "escalated"
    assert clocks(ticket)["escalation"] == "met"
    assert queued("send_escalation_email") == [{"escalation_id": escalation.pk}]

    escalation_workflow.record_escalation_response(escalation=escalation, actor=agent,
                                                   body="Disk cleaned, retry now")
    assert events(ticket)[-1] == "escalation_answered"
    escalation.refresh_from_db()
    assert escalation.status == "answered"
