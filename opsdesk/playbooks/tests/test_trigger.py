"""New login tickets get the playbook from the worker, queued once the ticket is committed."""

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from opsdesk.automation.models import AutomationRun
from opsdesk.tickets.models import DeliveryStatus, MessageKind

from .conftest import playbook_run

pytestmark = pytest.mark.django_db


def queued():
    return list(DBTaskResult.objects.values_list("task_path", flat=True))


def test_a_new_login_ticket_queues_the_playbook_once_committed(
        scenario_ticket, connectors, lms_fake, run_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        ticket = scenario_ticket("105")
    assert queued() == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert queued() == ["opsdesk.playbooks.tasks.run_playbook_task"]

    with django_capture_on_commit_callbacks(execute=True):
        assert run_tasks() == 1

    run = playbook_run(ticket)
    assert (run.trigger, run.actor.role, run.result["outcome"]) == (
        "ticket_created", "system", "resolved")
    assert DBTaskResult.objects.get(task_path__endswith="run_playbook_task").return_value == \
        "resolved"
    # The reply the playbook wrote is emailed within its job, not queued for another.
    reply = ticket.messages.get(kind=MessageKind.REPLY)
    assert reply.delivery_status == DeliveryStatus.SENT
    assert [m.to for m in mail.outbox] == [[ticket.requester.email]]
    assert "opsdesk.communications.tasks.send_reply_email" not in queued()


@pytest.mark.parametrize("key", ["103"])
def test_a_ticket_about_something_else_queues_nothing(key, scenario_ticket, connectors,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scenario_ticket(key)
    assert queued() == []


def test_the_setting_turns_it_off(settings, scenario_ticket, connectors,
                                  django_capture_on_commit_callbacks):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    with django_capture_on_commit_callbacks(execute=True):
        scenario_ticket("101")
    assert queued() == []


def test_without_connectors_nothing_is_queued(scenario_ticket,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scenario_ticket("101")
    assert queued() == [] and not AutomationRun.objects.exists()


def test_a_ticket_about_many_people_is_left_to_people(scenario_ticket, connectors,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scenario_ticket("101", title="Students cannot log in",
                        description="None of the students of WEB102-HN can log in.")
    assert queued() == []


def test_a_ticket_deleted_before_the_worker_ran_is_skipped(scenario_ticket, connectors,
                                                           run_tasks,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = scenario_ticket("101")
    ticket.delete()
    assert run_tasks() == 1
    assert DBTaskResult.objects.get().return_value == "skipped: no such ticket"
