"""An outside system that fails: the ticket is escalated with the error, the account is left
as it was, and a retry once the system is back does the fix exactly once."""

import time

import pytest

from opsdesk.automation.models import RunOutcome
from opsdesk.core.errors import Conflict
from opsdesk.playbooks.runner import retry_run, run_playbook
from opsdesk.tickets.models import Escalation, EscalationStatus, Stage

from .conftest import TICKETS, notes, replies, step_names

pytestmark = pytest.mark.django_db
THU = TICKETS["101"]["requester"]["email"]


@pytest.fixture(autouse=True)
def _by_hand(settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False  # each test runs the playbook itself


def break_hr_down(hr_fake, lms_fake):
    hr_fake.down()
    return hr_fake.up


def break_lms_down(hr_fake, lms_fake):
    lms_fake.down()
    return lms_fake.up


def break_lms_time_out(hr_fake, lms_fake):
    lms_fake.delay(0.5, process=False)  # longer than the connector's 0.3 s; then dropped
    return lambda: lms_fake.delay(0)


def break_lms_500_on_the_change(hr_fake, lms_fake):
    lms_fake.fail_next(2, 500, method="POST")  # both attempts of the reactivation
    return lambda: None


FAILURES = {
    "hr down": (break_hr_down, "HR directory: could not connect: connection refused"),
    "lms down": (break_lms_down, "LMS: could not connect: connection refused"),
    "lms timing out": (break_lms_time_out, "LMS: no answer within 0.3 s"),
    "lms 500 after hr said active": (break_lms_500_on_the_change,
                                     "LMS: HTTP 500 (injected_failure)"),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failing_system_escalates_with_the_error_and_a_retry_fixes_it_once(
        failure, scenario_ticket, connectors, hr_fake, lms_fake, agent, dev_team):
    breaks, error = FAILURES[failure]
    ticket = scenario_ticket("101")
    repair = breaks(hr_fake, lms_fake)

    run = run_playbook("login_recovery", ticket=ticket, actor=agent)

    assert run.outcome == RunOutcome.FAILED
    assert error in run.error and "(after 2 attempts)" in run.error
    assert (run.result["outcome"], run.result["reason"], run.result["action"]) == (
        "escalated", "error", "none")
    assert lms_fake.changes() == []
    assert lms_fake.account(THU)["status"] == "deactivated"  # nothing half-done
    [escalation] = Escalation.objects.filter(ticket=ticket)
    assert error in escalation.findings + escalation.hypothesis
    assert f"/api/v1/automation-runs/{run.pk}/retry" in escalation.ask
    assert escalation.team == dev_team
    ticket.refresh_from_db()
    assert ticket.stage == Stage.IN_PROGRESS
    [note] = notes(ticket)
    assert error in note.body
    [holding] = replies(ticket)
    assert "engineer" in holding.body
    failing_step = next(s for s in run.steps.all() if s.error)
    assert error in failing_step.error

    repair()
    again = retry_run(run, actor=agent)

    assert again.pk == run.pk and again.outcome == RunOutcome.MATCHED and again.error == ""
    assert (again.result["outcome"], again.result["action"], again.result["attempts"]) == (
        "resolved", "reactivate", 2)
    time.sleep(0.3)  # a request the fake dropped late would show up by now
    [change] = lms_fake.changes()
    assert (change.action, change.changed, change.idempotency_key) == (
        "reactivate", True, f"run-{run.pk}:reactivate")
    assert lms_fake.account(THU)["status"] == "active"
    ticket.refresh_from_db()
    assert ticket.stage == Stage.RESOLVED
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.CLOSED
    assert len(replies(ticket)) == 2 and len(notes(ticket)) == 2
    assert "attempt 2" in notes(ticket)[1].body
    names = step_names(again)
    assert "attempt 2: retry" in names and names[-1] == "move the ticket to Resolved"
    assert [s.position for s in again.steps.order_by("position")] == list(
        range(1, len(names) + 1))

    with pytest.raises(Conflict):  # done: nothing more to retry
        retry_run(again, actor=agent)
    assert len(lms_fake.changes()) == 1


def test_a_lost_answer_is_settled_by_the_retry_under_the_same_key(scenario_ticket, connectors,
                                                                  lms_fake, agent):
    """The LMS reactivates but its answer never arrives: the retry repeats the reactivation
    (answered from the LMS's record) instead of deciding afresh on an account now active."""
    ticket = scenario_ticket("101")

    def slow_after_the_lookup(request, reply):
        if request.method == "GET":
            lms_fake.delay(0.5, process=True)

    lms_fake.on_request = slow_after_the_lookup
    run = run_playbook("login_recovery", ticket=ticket, actor=agent)
    assert run.outcome == RunOutcome.FAILED and "no answer within 0.3 s" in run.error
    time.sleep(0.6)
    assert lms_fake.account(THU)["status"] == "active"  # it did happen
    escalation = Escalation.objects.get(ticket=ticket)
    assert "did not confirm" in escalation.workaround_status

    lms_fake.on_request = None
    lms_fake.delay(0)
    again = retry_run(run, actor=agent)

    assert (again.result["outcome"], again.result["action"]) == ("resolved", "reactivate")
    assert [(c.action, c.changed) for c in lms_fake.changes()] == [("reactivate", True)]
    assert lms_fake.changes("password_reset") == []
    last_reply = again.steps.filter(name="reply to the requester").order_by("position").last()
    assert last_reply.input["template"] == "login_reactivated"


def test_a_retry_that_fails_again_adds_a_note_only(scenario_ticket, connectors, hr_fake, agent):
    ticket = scenario_ticket("101")
    hr_fake.down()
    run = run_playbook("login_recovery", ticket=ticket, actor=agent)
    again = retry_run(run, actor=agent)
    assert again.outcome == RunOutcome.FAILED and again.result["attempts"] == 2
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    assert len(replies(ticket)) == 1 and len(notes(ticket)) == 2
    assert "Still escalated" in notes(ticket)[1].body


def test_two_retries_at_once_run_once(scenario_ticket, connectors, hr_fake, lms_fake, agent):
    ticket = scenario_ticket("101")
    hr_fake.down()
    run = run_playbook("login_recovery", ticket=ticket, actor=agent)
    hr_fake.up()
    seen_by_the_second = type(run).objects.get(pk=run.pk)
    retry_run(run, actor=agent)
    seen_by_the_second.outcome = RunOutcome.FAILED  # as it read it before the first finished
    with pytest.raises(Conflict, match="being retried already"):
        retry_run(seen_by_the_second, actor=agent)
    assert len(lms_fake.changes()) == 1


def test_a_new_run_is_refused_while_a_failed_one_waits_for_its_retry(scenario_ticket, connectors,
                                                                     hr_fake, lms_fake, agent):
    ticket = scenario_ticket("101")
    hr_fake.down()
    failed = run_playbook("login_recovery", ticket=ticket, actor=agent)
    hr_fake.up()
    second = run_playbook("login_recovery", ticket=ticket, actor=agent)
    assert second.outcome == RunOutcome.SKIPPED
    assert second.result["reason"] == f"run {failed.pk} failed on this ticket: retry that " \
        "run instead"
    assert lms_fake.changes() == []


def test_without_connectors_configured_it_escalates_and_can_be_retried_later(
        scenario_ticket, hr_fake, lms_fake, agent):
    from opsdesk.connectors.models import ConnectorConfig

    ticket = scenario_ticket("104")
    run = run_playbook("login_recovery", ticket=ticket, actor=agent)
    assert run.outcome == RunOutcome.FAILED and "No HR connector is configured" in run.error
    for kind, fake in (("hr", hr_fake), ("lms", lms_fake)):
        ConnectorConfig.objects.create(kind=kind, name=kind, base_url=fake.url,
                                       token="playbook-test-token", timeout_seconds=0.3)
    again = retry_run(run, actor=agent)
    assert (again.result["outcome"], again.result["action"]) == ("resolved", "password_reset")
    assert len(lms_fake.changes("password_reset")) == 1


def test_a_dry_run_with_a_system_down_reports_the_error_and_changes_nothing(
        scenario_ticket, connectors, lms_fake, agent):
    ticket = scenario_ticket("101")
    lms_fake.down()
    run = run_playbook("login_recovery", ticket=ticket, actor=agent, dry_run=True)
    assert run.outcome == RunOutcome.FAILED and run.result["reason"] == "error"
    assert not Escalation.objects.filter(ticket=ticket).exists()
    assert notes(ticket) == [] and replies(ticket) == []
    with pytest.raises(Conflict, match="dry run"):
        retry_run(run, actor=agent)


def test_the_lms_unreadable_for_someone_hr_says_left_keeps_the_reason(scenario_ticket,
                                                                      connectors, lms_fake,
                                                                      agent):
    ticket = scenario_ticket("102")
    lms_fake.down()
    run = run_playbook("login_recovery", ticket=ticket, actor=agent)
    assert (run.result["outcome"], run.result["reason"]) == ("escalated", "terminated")
    assert run.outcome == RunOutcome.MATCHED
    assert "LMS: could not be read" in notes(ticket)[0].body


def test_a_run_cut_short_can_be_retried_once_stale(scenario_ticket, connectors, lms_fake, agent):
    from datetime import timedelta

    from django.utils import timezone

    from opsdesk.automation.models import AutomationRun

    ticket = scenario_ticket("101")
    stuck = AutomationRun.objects.create(
        ticket=ticket, kind="playbook", name="login_recovery", actor=agent,
        outcome=RunOutcome.RUNNING, result={"attempts": 1},
        started_at=timezone.now() - timedelta(minutes=11))
    with pytest.raises(Conflict):  # a fresh one is still running
        retry_run(AutomationRun.objects.create(
            ticket=ticket, kind="playbook", name="login_recovery", actor=agent,
            outcome=RunOutcome.RUNNING, result={"attempts": 1}), actor=agent)
    AutomationRun.objects.exclude(pk=stuck.pk).delete()
    again = retry_run(stuck, actor=agent)
    assert again.result["outcome"] == "resolved" and len(lms_fake.changes()) == 1


def test_a_ticket_update_that_fails_is_undone_and_the_retry_repeats_the_same_action(
        scenario_ticket, connectors, lms_fake, agent, monkeypatch):
    from opsdesk.workflows import tickets as ticket_workflow

    ticket = scenario_ticket("101")

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ticket_workflow, "change_stage", broken)
    run = run_playbook("login_recovery", ticket=ticket, actor=agent)

    assert run.outcome == RunOutcome.FAILED and "database went away" in run.error
    assert notes(ticket) == [] and replies(ticket) == []  # nothing of it is kept
    assert run.steps.get(name="add an internal note").output["undone"] is True
    assert lms_fake.account(THU)["status"] == "active"  # the LMS did its part

    monkeypatch.undo()
    again = retry_run(run, actor=agent)

    assert (again.result["outcome"], again.result["action"]) == ("resolved", "reactivate")
    assert again.result["pending_action"] is None
    assert [(c.action, c.changed) for c in lms_fake.changes()] == [("reactivate", True)]
    assert len(replies(ticket)) == 1 and "reactivated" in replies(ticket)[0].body
