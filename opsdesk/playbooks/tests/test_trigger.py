"""New login tickets get the playbook from the worker, queued once the ticket is committed."""

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from opsdesk.automation.models import AutomationRun, RunOutcome
from opsdesk.core.leases import requeue_abandoned_jobs
from opsdesk.core.tests.jobs_support import claimed_by_worker
from opsdesk.tickets.models import DeliveryStatus, MessageKind

from .conftest import TICKETS, playbook_run, replies

THU = TICKETS["101"]["requester"]["email"]

pytestmark = pytest.mark.django_db


FAN_OUT = "opsdesk.communications.tasks.fan_out_new_tickets"  # every new ticket's ACK, notices
PLAYBOOK = "opsdesk.playbooks.tasks.run_playbook_task"


def queued():
    return sorted(DBTaskResult.objects.values_list("task_path", flat=True))


def test_a_new_login_ticket_queues_the_playbook_once_committed(
        scenario_ticket, connectors, lms_fake, run_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        ticket = scenario_ticket("105")
    assert queued() == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert queued() == [FAN_OUT, PLAYBOOK]

    with django_capture_on_commit_callbacks(execute=True):
        assert run_tasks() == 2  # the playbook's job, then the fan-out

    run = playbook_run(ticket)
    assert (run.trigger, run.actor.role, run.result["outcome"]) == (
        "ticket_created", "system", "resolved")
    assert DBTaskResult.objects.get(task_path__endswith="run_playbook_task").return_value == \
        "resolved"
    # The reply the playbook wrote is emailed within its job, not queued for another; the
    # fan-out, run after it, does not acknowledge the ticket it resolved.
    reply = ticket.messages.get(kind=MessageKind.REPLY)
    assert reply.delivery_status == DeliveryStatus.SENT
    assert [m.to for m in mail.outbox] == [[ticket.requester.email]]
    assert "opsdesk.communications.tasks.send_reply_email" not in queued()


@pytest.mark.parametrize("key", ["103"])
def test_a_ticket_about_something_else_queues_nothing(key, scenario_ticket, connectors,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scenario_ticket(key)
    assert queued() == [FAN_OUT]  # the playbook is not queued


def test_the_setting_turns_it_off(settings, scenario_ticket, connectors,
                                  django_capture_on_commit_callbacks):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    with django_capture_on_commit_callbacks(execute=True):
        scenario_ticket("101")
    assert queued() == [FAN_OUT]  # the playbook is not queued


def test_without_connectors_nothing_is_queued(scenario_ticket,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scenario_ticket("101")
    assert queued() == [FAN_OUT] and not AutomationRun.objects.exists()


def test_a_ticket_about_many_people_is_left_to_people(scenario_ticket, connectors,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scenario_ticket("101", title="Students cannot log in",
                        description="None of the students of WEB102-HN can log in.")
    assert queued() == [FAN_OUT]  # the playbook is not queued


def test_a_ticket_deleted_before_the_worker_ran_is_skipped(scenario_ticket, connectors,
                                                           run_tasks,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = scenario_ticket("101")
    ticket.delete()
    assert run_tasks() == 2  # the playbook's job and the fan-out
    assert DBTaskResult.objects.get(task_path=PLAYBOOK).return_value == \
        "skipped: no such ticket"


class WorkerKilled(BaseException):
    """The worker's process dies where this is raised (no handler of Exception sees it)."""


def test_a_playbook_job_its_worker_was_killed_before_running_is_run_once_later(
        scenario_ticket, connectors, lms_fake, run_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = scenario_ticket("101")
    job = DBTaskResult.objects.get(task_path__endswith="run_playbook_task")
    claimed_by_worker(job.pk, alive=True)
    assert requeue_abandoned_jobs() == 0  # its worker is running it
    claimed_by_worker(job.pk, alive=False)

    assert requeue_abandoned_jobs() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert run_tasks() == 2  # the playbook's job, and the fan-out that waited behind it

    run = playbook_run(ticket)
    assert (run.result["outcome"], run.job_id) == ("resolved", str(job.pk))
    assert [(c.action, c.changed) for c in lms_fake.changes()] == [("reactivate", True)]
    assert len(mail.outbox) == 1 and "reactivated" in mail.outbox[0].body


def test_a_playbook_run_cut_short_by_a_killed_worker_is_finished_under_the_same_run(
        scenario_ticket, connectors, lms_fake, run_tasks, monkeypatch,
        django_capture_on_commit_callbacks):
    """Killed after the LMS reactivated the account, before the ticket was updated: the job
    readied again when its lease runs out retries that run at once (attempt 2, the same key
    for the LMS), which finds the reactivation done instead of deciding afresh, and answers
    the requester once."""
    from opsdesk.workflows import tickets as ticket_workflow

    with django_capture_on_commit_callbacks(execute=True):
        ticket = scenario_ticket("101")
    job = DBTaskResult.objects.get(task_path__endswith="run_playbook_task")
    real = ticket_workflow.change_stage

    def killed(**kwargs):
        raise WorkerKilled

    monkeypatch.setattr(ticket_workflow, "change_stage", killed)
    with pytest.raises(WorkerKilled):
        run_tasks()
    cut_short = playbook_run(ticket)
    assert cut_short.outcome == RunOutcome.RUNNING and replies(ticket) == []
    assert lms_fake.account(THU)["status"] == "active"
    claimed_by_worker(job.pk, alive=False)
    monkeypatch.setattr(ticket_workflow, "change_stage", real)

    assert requeue_abandoned_jobs() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert run_tasks() == 2  # the playbook's job, and the fan-out that waited behind it

    run = playbook_run(ticket)  # still the one run
    assert (run.pk, run.result["attempts"], run.result["outcome"]) == (
        cut_short.pk, 2, "resolved")
    assert [(c.action, c.changed) for c in lms_fake.changes()] == [("reactivate", True)]
    assert len(replies(ticket)) == 1 and len(mail.outbox) == 1
    assert DBTaskResult.objects.get(pk=job.pk).status == "SUCCESSFUL"
