"""Every ticket of the login-recovery scenario gives its `expect`, from ticket created to
reply emailed, through the real fake HR directory and LMS; and a dry run of each decides the
same and changes nothing."""

import pytest
from django.core import mail

from opsdesk.automation.models import AutomationRun
from opsdesk.playbooks.runner import run_playbook
from opsdesk.tickets.models import Escalation, Message, Stage

from .conftest import TICKETS, mail_to, notes, playbook_run, replies, step_names

pytestmark = pytest.mark.django_db
KEYS = sorted(TICKETS)
CHECKED = ["check the ticket", "detect a login or account ticket", "find the affected person",
           "ask the HR directory", "ask the LMS", "decide"]


def subject_of(spec):
    return spec["expect"].get("subject_email", spec["requester"]["email"])


@pytest.mark.parametrize("key", KEYS)
def test_each_scenario_ticket_gives_its_expected_outcome(key, worked, connectors, lms_fake,
                                                         dev_team):
    spec = TICKETS[key]
    expect = spec["expect"]
    before = lms_fake.account(subject_of(spec))

    ticket = worked(key)

    if expect["outcome"] == "skipped":  # not even queued; asked for by hand, it skips
        assert not AutomationRun.objects.filter(ticket=ticket).exists()
        run_playbook("login_recovery", ticket=ticket)
    run = playbook_run(ticket)
    assert (run.result["outcome"], run.result["action"]) == (expect["outcome"],
                                                             expect["action"])
    assert run.actor.role == "system"
    assert run.trigger == ("manual" if expect["outcome"] == "skipped" else "ticket_created")
    if "reason" in expect:
        assert run.result["reason"] == expect["reason"]
    if "lms_status_after" in expect:
        assert lms_fake.account(subject_of(spec))["status"] == expect["lms_status_after"]
        assert run.result["lms_status_after"] == expect["lms_status_after"]
    if "subject_email" in expect:
        assert run.result["subject_email"] == expect["subject_email"]
    changes = lms_fake.changes()
    requester_mail = mail_to(spec["requester"]["email"])
    if expect["outcome"] == "resolved":
        assert [(c.action, c.changed) for c in changes] == [(expect["action"], True)]
        assert changes[0].idempotency_key == f"run-{run.pk}:{expect['action']}"
        assert ticket.stage == Stage.RESOLVED
        assert not Escalation.objects.filter(ticket=ticket).exists()
        assert step_names(run) == [*CHECKED, {"reactivate": "reactivate the LMS account",
                                              "password_reset": "send a password reset from "
                                              "the LMS"}[expect["action"]],
                                   "add an internal note", "reply to the requester",
                                   "move the ticket to Resolved"]
    elif expect["outcome"] == "escalated":
        assert changes == []  # the account is never touched
        assert lms_fake.account(subject_of(spec)) == before
        [escalation] = Escalation.objects.filter(ticket=ticket)
        assert escalation.team.name == "Dev Team"
        assert expect["reason"] in escalation.findings + escalation.hypothesis
        assert ticket.stage == Stage.IN_PROGRESS
        assert mail_to(dev_team.members.get().email)  # the engineers hear of it
    else:
        assert changes == [] and lms_fake.count("GET", "/accounts") == 0
        assert ticket.stage == Stage.NEW
        assert not notes(ticket)
        [ack] = replies(ticket)  # the desk's automatic ACK only: the playbook wrote nothing
        assert ack.template == "ack" and [m.body for m in requester_mail] == [ack.body]
        assert run.outcome == "skipped"
        return
    assert run.outcome == "matched" and run.error == ""
    [note] = notes(ticket)
    assert note.body.startswith(f"Login recovery (automation run {run.pk})")
    assert subject_of(spec) in note.body
    [reply] = replies(ticket)
    assert reply.author.role == "system" and reply.delivery_status == "sent"
    [email] = requester_mail
    assert email.body == reply.body and ticket.ref in email.subject
    if expect.get("reply_language") == "vi":
        assert run.result["reply_language"] == "vi"
        assert "Chào Pham Van Quang" in reply.body and "kích hoạt lại" in reply.body
    else:
        assert run.result["reply_language"] == "en" and reply.body.startswith("Dear ")
    if expect["outcome"] == "escalated":
        assert "engineer" in reply.body
        assert "terminated" not in reply.body  # the holding reply says nothing of HR


def test_a_coordinator_is_answered_about_the_teacher_they_wrote_for(worked, connectors,
                                                                    lms_fake):
    ticket = worked("106")
    [reply] = replies(ticket)
    assert "quang.pham@campus.example.edu.vn" in reply.body
    assert reply.body.startswith("Dear Nguyen Thi Ha")
    assert mail_to("ha.nguyen@campus.example.edu.vn")
    assert playbook_run(ticket).result["email_source"] == "text"


def test_the_note_lists_each_step_taken(worked, connectors):
    ticket = worked("101")
    [note] = notes(ticket)
    lines = note.body.splitlines()
    assert lines[1].startswith("1. Detected a sign-in / account ticket")
    assert "HR directory: active teacher." in note.body
    assert "LMS: account 1001 deactivated (30 days without login)." in note.body
    assert "Reactivated LMS account 1001: the LMS now shows it active." in note.body
    assert "Stage: Resolved." in note.body
    assert not note.public


@pytest.mark.parametrize("key", KEYS)
def test_a_dry_run_decides_the_same_and_changes_nothing(key, scenario_ticket, connectors,
                                                        lms_fake, agent, run_tasks,
                                                        django_capture_on_commit_callbacks,
                                                        settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False  # only the dry run works the ticket
    spec = TICKETS[key]
    expect = spec["expect"]
    ticket = scenario_ticket(key)
    timeline = list(Message.objects.filter(ticket=ticket).values_list("id", flat=True))
    before = lms_fake.account(subject_of(spec))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        run = run_playbook("login_recovery", ticket=ticket, actor=agent, dry_run=True)
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()

    assert run.dry_run and run.result["dry_run"] is True
    assert (run.result["outcome"], run.result["action"]) == (expect["outcome"],
                                                             expect["action"])
    for field in ("reason", "subject_email"):
        if field in expect:
            assert run.result[field] == expect[field]
    assert lms_fake.changes() == [] and lms_fake.count("POST") == 0
    assert lms_fake.account(subject_of(spec)) == before
    assert mail.outbox == []
    ticket.refresh_from_db()
    assert ticket.stage == Stage.NEW
    assert list(Message.objects.filter(ticket=ticket).values_list("id", flat=True)) == timeline
    assert not Escalation.objects.filter(ticket=ticket).exists()
    steps = {s.name: s for s in run.steps.all()}
    if expect["outcome"] != "skipped":
        assert steps["add an internal note"].output["dry_run"] is True
        assert "Login recovery" in steps["add an internal note"].output["would_add"]
        would_reply = steps["reply to the requester"].output
        assert would_reply["dry_run"] is True and would_reply["would_send"]
    if expect["action"] != "none":
        assert steps[next(n for n in steps if "LMS account" in n or "password" in n)].output[
            "changed"] is False
    if expect["outcome"] == "escalated":
        assert steps["escalate to Dev Team"].output["would_escalate"]["impact_summary"]


def test_a_dry_run_shows_the_vietnamese_reply_it_would_send(scenario_ticket, connectors, agent,
                                                            settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    run = run_playbook("login_recovery", ticket=scenario_ticket("105"), actor=agent,
                       dry_run=True)
    reply = run.steps.get(name="reply to the requester")
    assert reply.input == {"template": "login_reactivated", "language": "vi"}
    assert reply.output["subject"].startswith("Tài khoản LMS của anh/chị đã được kích hoạt lại")


def test_a_real_run_after_a_dry_run_still_acts(scenario_ticket, connectors, lms_fake, agent,
                                               settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    ticket = scenario_ticket("101")
    run_playbook("login_recovery", ticket=ticket, actor=agent, dry_run=True)
    run = run_playbook("login_recovery", ticket=ticket, actor=agent)
    assert run.result["outcome"] == "resolved"
    assert len(lms_fake.changes("reactivate")) == 1
    assert f"started by {agent.display_name}" in notes(ticket)[0].body


def test_a_closed_or_resolved_ticket_is_left_alone(scenario_ticket, connectors, lms_fake, agent,
                                                   settings):
    from opsdesk.workflows.tickets import change_stage

    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    ticket = scenario_ticket("101")
    change_stage(ticket=ticket, actor=agent, to=Stage.CANCELLED)
    run = run_playbook("login_recovery", ticket=ticket, actor=agent)
    assert (run.outcome, run.result["reason"]) == ("skipped", "the ticket is cancelled")
    assert lms_fake.count() == 0


def test_a_coordinator_naming_two_teachers_is_escalated_untouched(scenario_ticket, connectors,
                                                                  lms_fake, agent, settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    ticket = scenario_ticket("106", description="Teachers quang.pham@campus.example.edu.vn "
                             "and thu.tran@campus.example.edu.vn: account deactivated.")
    run = run_playbook("login_recovery", ticket=ticket, actor=agent)
    assert (run.result["outcome"], run.result["reason"]) == ("escalated", "no single address")
    assert lms_fake.count() == 0 and hr_requests(run) == []


def hr_requests(run):
    return [s for s in run.steps.all() if s.name == "ask the HR directory"]


def test_an_active_teacher_without_an_lms_account_is_escalated(scenario_ticket, connectors,
                                                               hr_fake, lms_fake, agent,
                                                               settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    hr_fake.employees["new.teacher@campus.example.edu.vn"] = {
        "email": "new.teacher@campus.example.edu.vn", "name": "New Teacher",
        "employment_status": "active", "role": "teacher"}
    ticket = scenario_ticket("101", requester={"name": "New Teacher", "role": "teacher",
                                               "email": "new.teacher@campus.example.edu.vn"})
    run = run_playbook("login_recovery", ticket=ticket, actor=agent)
    assert (run.result["outcome"], run.result["reason"]) == ("escalated", "not in the LMS")
    assert lms_fake.changes() == []


def test_started_by_an_event_it_works_a_ticket_once(scenario_ticket, connectors, lms_fake,
                                                   agent, settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    ticket = scenario_ticket("102")
    first = run_playbook("login_recovery", ticket=ticket, trigger="ticket_created")
    second = run_playbook("login_recovery", ticket=ticket, trigger="ticket_created")
    assert first.result["outcome"] == "escalated"
    assert (second.outcome, second.result["reason"]) == (
        "skipped", f"run {first.pk} already worked this ticket")
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    by_hand = run_playbook("login_recovery", ticket=ticket, actor=agent)  # asked: it works
    assert by_hand.result["outcome"] == "escalated"
