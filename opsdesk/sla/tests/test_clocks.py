"""SLA clocks follow the ticket: created, replied to, moved between stages, escalated,
re-classified (DESIGN §2, "SLA clock"). Times are local to the desk (Asia/Ho_Chi_Minh)
and the clock is frozen; nothing here runs the timers unless it says so."""

import re
from datetime import timedelta

import pytest

from opsdesk.sla.models import SlaClock, SlaEvent
from opsdesk.sla.tests.support import FRIDAY, MONDAY, clock_of, event_kinds, hcm
from opsdesk.sla.timers import fire_due_timers
from opsdesk.tickets.escalations import Handoff
from opsdesk.tickets.impact import Impact
from opsdesk.workflows.escalations import escalate
from opsdesk.workflows.messages import add_message
from opsdesk.workflows.tickets import change_stage, override_cos, update_ticket

pytestmark = pytest.mark.django_db

THURSDAY = FRIDAY - timedelta(days=1)


def reply(ticket, actor, body="We are looking into it; next update in 10 minutes."):
    return add_message(ticket=ticket, actor=actor, kind="reply", body=body)


def note(ticket, actor, body="Checked the exam service logs: 502 from the grader."):
    return add_message(ticket=ticket, actor=actor, kind="note", body=body)


def move(ticket, actor, to, waiting_reason=""):
    return change_stage(ticket=ticket, actor=actor, to=to, waiting_reason=waiting_reason)


def escalate_to(ticket, actor, team):
    return escalate(ticket=ticket, actor=actor, team=team, handoff=Handoff(
        impact_summary="30 students cannot submit the WEB102 exam",
        findings="grader returns 502 since 09:55", hypothesis="grader pod out of memory",
        workaround_status="none yet", ask="temporary fix", update_cadence_minutes=10))


def statuses(ticket):
    return dict(SlaClock.objects.filter(ticket=ticket).values_list("target", "status"))


# --- creation: intake, ack and resolve ----------------------------------------------------

def test_it_meets_intake_when_the_ticket_is_created_within_the_target(ticket_of_class):
    ticket = ticket_of_class("expedite", received_at=hcm(9, 57))
    intake = clock_of(ticket, "intake")
    assert (intake.status, intake.due_at, intake.met_at) == ("met", hcm(10, 2), hcm(10, 0))


def test_it_breaches_intake_when_the_ticket_was_received_longer_ago_than_the_target(
        ticket_of_class):
    ticket = ticket_of_class("expedite", received_at=hcm(9, 50))
    intake = clock_of(ticket, "intake")
    assert (intake.status, intake.due_at, intake.breached_at) == ("breached", hcm(9, 55),
                                                                  hcm(10, 0))
    assert event_kinds(ticket, "intake") == ["started", "breached"]


def test_it_starts_only_intake_ack_and_resolve_when_a_ticket_is_created(ticket_of_class):
    ticket = ticket_of_class("expedite")
    assert statuses(ticket) == {"intake": "met", "ack": "running", "resolve": "running"}


@pytest.mark.parametrize(
    ("cos", "intake", "ack", "resolve"),
    [
        ("expedite", hcm(10, 5), hcm(10, 10), hcm(14, 0)),   # 5 / 10 min, 4 h, 24/7
        ("priority", hcm(10, 10), hcm(10, 15), hcm(18, 0)),  # 10 / 15 min, 8 h, 24/7
        # 15 / 30 business minutes; 3 business days (27 h) from Wednesday 10:00
        # run past the weekend to Monday 10:00.
        ("standard", hcm(10, 15), hcm(10, 30), hcm(10, 0, day=MONDAY)),
    ],
)
def test_it_times_the_clocks_from_receipt_by_the_default_policy(ticket_of_class, cos, intake,
                                                                ack, resolve):
    ticket = ticket_of_class(cos)
    due = dict(SlaClock.objects.filter(ticket=ticket).values_list("target", "due_at"))
    assert due == {"intake": intake, "ack": ack, "resolve": resolve}


def test_it_times_a_friday_evening_standard_ticket_in_business_hours(ticket_of_class, desk_time):
    desk_time.move_to(hcm(16, 50, day=FRIDAY))
    ticket = ticket_of_class("standard")
    assert clock_of(ticket, "ack").due_at == hcm(8, 20, day=MONDAY)


def test_it_times_an_expedite_ticket_in_calendar_time_over_the_weekend(ticket_of_class,
                                                                       desk_time):
    desk_time.move_to(hcm(16, 50, day=FRIDAY))
    ticket = ticket_of_class("expedite")
    assert clock_of(ticket, "ack").due_at == hcm(17, 0, day=FRIDAY)


# --- acknowledgement: only a reply from the desk -----------------------------------------

def test_it_does_not_meet_ack_with_an_internal_note(ticket_of_class, agent, desk_time):
    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 4))
    note(ticket, agent)
    assert clock_of(ticket, "ack").status == "running"


def test_it_meets_ack_with_a_reply_from_an_agent(ticket_of_class, agent, desk_time):
    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 4))
    reply(ticket, agent)
    ack = clock_of(ticket, "ack")
    assert (ack.status, ack.met_at) == ("met", hcm(10, 4))
    assert event_kinds(ticket, "ack") == ["started", "met"]


def test_it_does_not_meet_ack_with_a_reply_from_the_requester(ticket_of_class, requester,
                                                              desk_time):
    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 4))
    reply(ticket, requester, "Any news? The exam closes at 11:00.")
    assert clock_of(ticket, "ack").status == "running"


def test_it_breaches_ack_when_the_first_reply_comes_late(ticket_of_class, agent, desk_time):
    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 12))
    reply(ticket, agent)
    ack = clock_of(ticket, "ack")
    assert (ack.status, ack.breached_at) == ("breached", hcm(10, 12))


# --- the update cadence -------------------------------------------------------------------

def test_it_has_no_update_clock_before_the_first_reply(ticket_of_class, agent, desk_time):
    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 4))
    note(ticket, agent)
    assert not SlaClock.objects.filter(ticket=ticket, target="update").exists()


def test_it_starts_the_update_clock_at_the_first_agent_reply(ticket_of_class, agent, desk_time):
    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 4))
    reply(ticket, agent)
    update = clock_of(ticket, "update")
    assert (update.status, update.started_at, update.due_at) == ("running", hcm(10, 4),
                                                                 hcm(10, 14))


def test_a_reply_reads_no_policy_or_holiday_for_its_clocks(ticket_of_class, agent, desk_time):
    """The clocks take their enabled policy, working hours included, from the configuration
    already read: a reply reads the clocks and nothing of their policy."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 4))
    with CaptureQueriesContext(connection) as queries:
        reply(ticket, agent)
    read = " ".join(q["sql"] for q in queries if q["sql"].startswith("SELECT"))
    assert "sla_slaclock" in read
    assert "sla_slapolicy" not in read and "sla_holiday" not in read
    assert clock_of(ticket, "update").due_at == hcm(10, 14)


def test_replies_added_together_meet_each_tickets_clocks_with_one_read(
        ticket_of_class, agent, requester, desk_time):
    """Replies to several tickets at once (a fan-out's ACKs) do to each ticket's clocks what
    a reply alone does — a late one breaches, a requester's meets nothing — with the clocks
    read (and locked) once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opsdesk.tickets.services import MessageDraft
    from opsdesk.workflows.messages import add_messages

    early, standard = ticket_of_class("expedite"), ticket_of_class("standard")
    late = ticket_of_class("expedite", received_at=hcm(9, 50))
    asked = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 4))
    with CaptureQueriesContext(connection) as queries:
        add_messages(actor=agent, kind="reply", drafts=[
            MessageDraft(ticket=t, body="We are on it.") for t in (early, standard, late)])
    add_messages(actor=requester, kind="reply", drafts=[MessageDraft(ticket=asked,
                                                                     body="Any news?")])

    assert [(clock_of(t, "ack").status, clock_of(t, "ack").met_at) for t in
            (early, standard, late)] == [("met", hcm(10, 4)), ("met", hcm(10, 4)),
                                         ("breached", hcm(10, 4))]
    assert [clock_of(t, "update").due_at for t in (early, standard, late)] == [
        hcm(10, 14), hcm(10, 4, day=THURSDAY), hcm(10, 14)]
    assert event_kinds(early, "ack") == ["started", "met"]
    assert event_kinds(late, "ack") == ["started", "breached"]
    assert event_kinds(standard, "update") == ["started"]
    assert statuses(asked) == {"intake": "met", "ack": "running", "resolve": "running"}
    touched = [m.groups() for q in queries if (m := re.match(r'(\w+)\W.*?"(sla_\w+)"', q["sql"]))]
    assert touched.count(("SELECT", "sla_slaclock")) == 1


def test_it_restarts_the_update_clock_with_each_agent_reply(ticket_of_class, agent, desk_time):
    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 4))
    reply(ticket, agent)
    desk_time.move_to(hcm(10, 11))
    reply(ticket, agent, "Update: the grader is restarting.")
    update = clock_of(ticket, "update")
    assert (update.status, update.due_at) == ("running", hcm(10, 21))
    assert event_kinds(ticket, "update") == ["started", "met", "started"]


def test_it_gives_a_standard_ticket_one_business_day_between_updates(ticket_of_class, agent,
                                                                     desk_time):
    ticket = ticket_of_class("standard")
    desk_time.move_to(hcm(15, 0))
    reply(ticket, agent)
    assert clock_of(ticket, "update").due_at == hcm(15, 0, day=THURSDAY)


@pytest.mark.parametrize("kind", ["note", "requester reply"])
def test_it_does_not_restart_the_update_clock_without_an_agent_reply(
        ticket_of_class, agent, requester, desk_time, kind):
    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 4))
    reply(ticket, agent)
    desk_time.move_to(hcm(10, 11))
    if kind == "note":
        note(ticket, agent)
    else:
        reply(ticket, requester, "Still broken here.")
    assert clock_of(ticket, "update").due_at == hcm(10, 14)


# --- pausing while waiting on the customer ------------------------------------------------

@pytest.fixture
def replied_at_ten(ticket_of_class, agent):
    """An Expedite ticket in progress, answered at 10:00: next update due 10:10."""
    ticket = ticket_of_class("expedite")
    move(ticket, agent, "in_progress")
    reply(ticket, agent, "Can you send the exact error the students see?")
    assert clock_of(ticket, "update").due_at == hcm(10, 10)
    return ticket


def test_it_pauses_the_update_clock_while_waiting_on_the_customer(replied_at_ten, agent,
                                                                  desk_time):
    desk_time.move_to(hcm(10, 4))
    move(replied_at_ten, agent, "waiting", "customer")
    update = clock_of(replied_at_ten, "update")
    assert (update.status, update.paused_at) == ("paused", hcm(10, 4))
    assert event_kinds(replied_at_ten, "update")[-1] == "paused"


def test_it_resumes_the_update_clock_with_the_time_that_was_left(replied_at_ten, agent,
                                                                 desk_time):
    desk_time.move_to(hcm(10, 4))
    move(replied_at_ten, agent, "waiting", "customer")
    desk_time.move_to(hcm(10, 30))
    move(replied_at_ten, agent, "in_progress")
    update = clock_of(replied_at_ten, "update")
    assert (update.status, update.due_at) == ("running", hcm(10, 36))
    assert event_kinds(replied_at_ten, "update")[-2:] == ["paused", "resumed"]


def test_it_warns_a_resumed_update_clock_at_the_same_share_of_its_target(replied_at_ten, agent,
                                                                         desk_time):
    desk_time.move_to(hcm(10, 4))
    move(replied_at_ten, agent, "waiting", "customer")
    desk_time.move_to(hcm(10, 30))
    move(replied_at_ten, agent, "in_progress")
    # 80 % of 10 minutes: two minutes before it is due, as before the pause.
    assert clock_of(replied_at_ten, "update").warn_at == hcm(10, 34)


def test_it_keeps_the_update_clock_running_while_waiting_on_the_dev_team(replied_at_ten, agent,
                                                                         desk_time):
    desk_time.move_to(hcm(10, 4))
    move(replied_at_ten, agent, "waiting", "dev_team")
    update = clock_of(replied_at_ten, "update")
    assert (update.status, update.due_at) == ("running", hcm(10, 10))
    assert "paused" not in event_kinds(replied_at_ten, "update")


def test_it_resumes_when_the_wait_moves_from_the_customer_to_the_dev_team(replied_at_ten, agent,
                                                                          desk_time):
    desk_time.move_to(hcm(10, 4))
    move(replied_at_ten, agent, "waiting", "customer")
    desk_time.move_to(hcm(10, 20))
    move(replied_at_ten, agent, "waiting", "dev_team")
    update = clock_of(replied_at_ten, "update")
    assert (update.status, update.due_at) == ("running", hcm(10, 26))


def test_it_pauses_a_business_hours_update_clock_over_the_night(ticket_of_class, agent,
                                                                desk_time):
    ticket = ticket_of_class("standard")
    desk_time.move_to(hcm(16, 0))
    reply(ticket, agent)  # next update due Thursday 16:00
    desk_time.move_to(hcm(16, 30))
    move(ticket, agent, "waiting", "customer")  # 8 h 30 min of business time left
    desk_time.move_to(hcm(9, 0, day=THURSDAY))
    move(ticket, agent, "in_progress")
    assert clock_of(ticket, "update").due_at == hcm(8, 30, day=FRIDAY)


# --- resolving ----------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["resolve", "escalation", "update"])
def test_it_meets_the_clocks_resolving_stops(replied_at_ten, agent, desk_time, target):
    desk_time.move_to(hcm(10, 5))
    move(replied_at_ten, agent, "resolved")
    clock = clock_of(replied_at_ten, target)
    assert (clock.status, clock.met_at) == ("met", hcm(10, 5))


def test_it_breaches_the_resolve_clock_when_resolved_late(ticket_of_class, agent, desk_time):
    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(14, 5))
    move(ticket, agent, "resolved")
    assert clock_of(ticket, "resolve").status == "breached"


def test_it_meets_a_paused_update_clock_when_the_ticket_is_resolved_while_waiting(
        replied_at_ten, agent, desk_time):
    desk_time.move_to(hcm(10, 4))
    move(replied_at_ten, agent, "waiting", "customer")
    desk_time.move_to(hcm(11, 0))  # the customer confirms it works; resolve from Waiting
    move(replied_at_ten, agent, "resolved")
    assert clock_of(replied_at_ten, "update").status == "met"


def test_it_starts_a_fresh_update_period_without_a_breach_when_a_ticket_is_reopened(
        replied_at_ten, agent, desk_time):
    desk_time.move_to(hcm(10, 5))
    move(replied_at_ten, agent, "resolved")  # update met at 10:05
    desk_time.move_to(hcm(13, 0))  # the requester: "still broken"
    move(replied_at_ten, agent, "in_progress")
    update = clock_of(replied_at_ten, "update")
    assert (update.status, update.breached_at) == ("running", None)
    assert "breached" not in event_kinds(replied_at_ten, "update")


def test_it_starts_the_update_clock_paused_when_the_first_reply_asks_the_waiting_customer(
        ticket_of_class, agent, desk_time):
    ticket = ticket_of_class("expedite")
    move(ticket, agent, "waiting", "customer")
    desk_time.move_to(hcm(10, 2))
    reply(ticket, agent, "Which exam and which class? We need the exact error.")
    assert clock_of(ticket, "update").status == "paused"


# --- escalation ---------------------------------------------------------------------------

@pytest.mark.parametrize(("cos", "due"), [("expedite", hcm(10, 16)), ("priority", hcm(10, 21))])
def test_it_starts_the_escalation_clock_when_work_starts(ticket_of_class, agent, desk_time, cos,
                                                         due):
    ticket = ticket_of_class(cos)
    desk_time.move_to(hcm(10, 1))
    move(ticket, agent, "in_progress")
    escalation = clock_of(ticket, "escalation")
    assert (escalation.status, escalation.started_at, escalation.due_at) == ("running",
                                                                             hcm(10, 1), due)


def test_it_gives_a_standard_ticket_no_escalation_clock(ticket_of_class, agent):
    ticket = ticket_of_class("standard")
    move(ticket, agent, "in_progress")
    assert not SlaClock.objects.filter(ticket=ticket, target="escalation").exists()


def test_it_meets_the_escalation_clock_with_an_escalation(ticket_of_class, agent, dev_team,
                                                         desk_time):
    ticket = ticket_of_class("expedite")
    move(ticket, agent, "in_progress")
    desk_time.move_to(hcm(10, 9))
    escalate_to(ticket, agent, dev_team)
    escalation = clock_of(ticket, "escalation")
    assert (escalation.status, escalation.met_at) == ("met", hcm(10, 9))


def test_it_breaches_the_escalation_clock_with_a_late_escalation(ticket_of_class, agent,
                                                                 dev_team, desk_time):
    ticket = ticket_of_class("expedite")
    move(ticket, agent, "in_progress")
    desk_time.move_to(hcm(10, 20))
    escalate_to(ticket, agent, dev_team)
    assert clock_of(ticket, "escalation").status == "breached"


def test_it_runs_no_escalation_clock_for_a_ticket_escalated_before_work_started(
        ticket_of_class, agent, dev_team, desk_time):
    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 2))
    escalate_to(ticket, agent, dev_team)  # straight from New: the alert says it all
    desk_time.move_to(hcm(10, 3))
    move(ticket, agent, "in_progress")
    assert not SlaClock.objects.filter(ticket=ticket, target="escalation",
                                       status="running").exists()


# --- cancelling ---------------------------------------------------------------------------

def test_it_cancels_the_running_clocks_when_the_ticket_is_cancelled(ticket_of_class, agent,
                                                                    desk_time):
    ticket = ticket_of_class("expedite")
    move(ticket, agent, "in_progress")
    desk_time.move_to(hcm(10, 3))
    move(ticket, agent, "cancelled")
    assert statuses(ticket) == {"intake": "met", "ack": "cancelled", "resolve": "cancelled",
                                "escalation": "cancelled"}
    assert event_kinds(ticket, "ack")[-1] == "cancelled"


def test_it_cancels_a_paused_update_clock_when_the_ticket_is_cancelled(replied_at_ten, agent,
                                                                       desk_time):
    desk_time.move_to(hcm(10, 4))
    move(replied_at_ten, agent, "waiting", "customer")
    move(replied_at_ten, agent, "cancelled")
    assert clock_of(replied_at_ten, "update").status == "cancelled"


# --- re-timing when the Class of Service changes -----------------------------------------

def _impact_makes_it_expedite(ticket, agent):
    update_ticket(ticket=ticket, actor=agent, impact=Impact(affected_users=30))


def _override_to_expedite(ticket, agent):
    override_cos(ticket=ticket, actor=agent, cos="expedite",
                 reason="exam window closes at 11:00")


CHANGES = pytest.mark.parametrize("change", [_impact_makes_it_expedite, _override_to_expedite],
                                  ids=["impact", "override"])


@CHANGES
def test_it_retimes_ack_from_receipt_when_the_ticket_becomes_expedite(ticket_of_class, agent,
                                                                      desk_time, change):
    ticket = ticket_of_class("priority")  # ack due 10:15
    desk_time.move_to(hcm(10, 3))
    change(ticket, agent)
    assert clock_of(ticket, "ack").due_at == hcm(10, 10)
    assert clock_of(ticket, "resolve").due_at == hcm(14, 0)


@CHANGES
def test_it_records_the_retiming_as_an_sla_event_and_on_the_timeline(ticket_of_class, agent,
                                                                     desk_time, change):
    ticket = ticket_of_class("priority")
    desk_time.move_to(hcm(10, 3))
    change(ticket, agent)
    retimed = SlaEvent.objects.get(ticket=ticket, target="ack", kind="retimed")
    assert (retimed.at, retimed.due_at) == (hcm(10, 3), hcm(10, 10))
    event = ticket.messages.get(event="sla_retimed")
    assert event.author == agent
    assert "acknowledge due 10:10" in event.body


# Without the automatic ACK the new class sends, the retimed clock is still running, late,
# when the timers look (with it, the ACK itself records the breach: the next test).
@pytest.mark.usefixtures("manual_timeline")
def test_it_breaches_a_retimed_clock_whose_new_due_time_has_passed(ticket_of_class, agent,
                                                                   desk_time):
    ticket = ticket_of_class("priority")  # ack due 10:15
    desk_time.move_to(hcm(10, 12))
    _impact_makes_it_expedite(ticket, agent)  # ack now due 10:10: already late
    assert fire_due_timers().breached == 1
    assert clock_of(ticket, "ack").status == "breached"


def test_the_ack_a_new_class_sends_after_its_due_time_breaches_the_retimed_clock(
        ticket_of_class, agent, desk_time):
    ticket = ticket_of_class("priority")  # not acknowledged yet; ack due 10:15
    desk_time.move_to(hcm(10, 12))
    _impact_makes_it_expedite(ticket, agent)  # ack now due 10:10; the fan-out ACKs at 10:12
    ack = clock_of(ticket, "ack")
    assert (ack.status, ack.breached_at) == ("breached", hcm(10, 12))
    assert ticket.messages.filter(template="ack").count() == 1
    assert event_kinds(ticket, "ack") == ["started", "retimed", "breached"]
    assert fire_due_timers().breached == 0


def test_it_starts_the_escalation_clock_when_an_open_ticket_becomes_expedite(
        ticket_of_class, agent, desk_time):
    ticket = ticket_of_class("standard")
    move(ticket, agent, "in_progress")
    desk_time.move_to(hcm(10, 5))
    _override_to_expedite(ticket, agent)
    escalation = clock_of(ticket, "escalation")
    assert (escalation.status, escalation.due_at) == ("running", hcm(10, 20))


def test_it_cancels_the_escalation_clock_when_the_ticket_becomes_standard(ticket_of_class, agent,
                                                                          desk_time):
    ticket = ticket_of_class("expedite")
    move(ticket, agent, "in_progress")
    desk_time.move_to(hcm(10, 5))
    override_cos(ticket=ticket, actor=agent, cos="standard", reason="one student, not a class")
    assert clock_of(ticket, "escalation").status == "cancelled"


def test_it_keeps_the_paused_time_out_of_a_retimed_update_clock(ticket_of_class, agent,
                                                                desk_time):
    ticket = ticket_of_class("priority")
    reply(ticket, agent)  # update due 10:15
    desk_time.move_to(hcm(10, 5))
    move(ticket, agent, "waiting", "customer")  # 10 min left
    desk_time.move_to(hcm(10, 35))
    move(ticket, agent, "in_progress")  # due 10:45
    desk_time.move_to(hcm(10, 36))
    _impact_makes_it_expedite(ticket, agent)
    # Six of the ten Expedite minutes are used (10:00–10:05, 10:35–10:36): due 10:40.
    assert clock_of(ticket, "update").due_at == hcm(10, 40)
