"""The worker's SLA timers (`fire_due_timers`): a warning at 80 % of the target, a breach at
the due time, each once; who is told; and the email that goes out once committed."""

from datetime import timedelta

import pytest
from django.core import mail
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from opsdesk.accounts.models import Role, User
from opsdesk.accounts.services import create_user, system_user
from opsdesk.notifications.models import Notification
from opsdesk.sla.models import SlaEvent, SlaPolicy
from opsdesk.sla.tests.support import clock_of, event_kinds, hcm
from opsdesk.sla.timers import Fired, fire_due_timers
from opsdesk.workflows.messages import add_message
from opsdesk.workflows.tickets import change_stage

pytestmark = pytest.mark.django_db

NOTHING = Fired(warned=0, breached=0)


def fire_at(desk_time, moment):
    desk_time.move_to(moment)
    return fire_due_timers()


def reply(ticket, actor):
    add_message(ticket=ticket, actor=actor, kind="reply", body="We are on it.")


def breached_for(ticket):
    return sorted(Notification.objects.filter(ticket=ticket, kind="sla_breached")
                  .values_list("recipient__email", flat=True))


@pytest.fixture
def other_agent(db):
    return create_user(email="minh.tran@support.example.edu.vn", role=Role.AGENT,
                       name="Tran Van Minh", password="a-long-test-password")


# --- when they fire -----------------------------------------------------------------------

def test_it_sets_the_warning_at_80_percent_of_the_target(ticket_of_class):
    ticket = ticket_of_class("expedite")  # received 10:00, ack due 10:10
    assert clock_of(ticket, "ack").warn_at == hcm(10, 8)


def test_it_does_not_warn_before_80_percent_of_the_target(ticket_of_class, desk_time):
    ticket_of_class("expedite")
    assert fire_at(desk_time, hcm(10, 8) - timedelta(seconds=1)) == NOTHING


def test_it_warns_at_80_percent_of_the_target(ticket_of_class, desk_time):
    ticket = ticket_of_class("expedite")
    assert fire_at(desk_time, hcm(10, 8)) == Fired(warned=1, breached=0)
    ack = clock_of(ticket, "ack")
    assert (ack.status, ack.warned_at) == ("running", hcm(10, 8))
    assert event_kinds(ticket, "ack")[-1] == "warned"


def test_it_warns_at_the_share_the_policy_sets(ticket_of_class, desk_time):
    SlaPolicy.objects.filter(cos="expedite").update(warn_at_percent=50)
    ticket_of_class("expedite")
    assert fire_at(desk_time, hcm(10, 5)).warned == 1


def test_it_does_not_breach_before_the_due_time(ticket_of_class, desk_time):
    ticket = ticket_of_class("expedite")
    fire_at(desk_time, hcm(10, 10) - timedelta(seconds=1))
    assert clock_of(ticket, "ack").status == "running"


def test_it_breaches_at_the_due_time(ticket_of_class, desk_time):
    ticket = ticket_of_class("expedite")
    fire_at(desk_time, hcm(10, 8))
    assert fire_at(desk_time, hcm(10, 10)) == Fired(warned=0, breached=1)
    ack = clock_of(ticket, "ack")
    assert (ack.status, ack.breached_at) == ("breached", hcm(10, 10))


def test_it_warns_and_breaches_each_exactly_once_however_often_it_runs(ticket_of_class,
                                                                       desk_time):
    ticket = ticket_of_class("expedite")
    moment, fired = hcm(10, 0), []
    while moment <= hcm(10, 20):
        fired += [fire_at(desk_time, moment), fire_due_timers()]
        moment += timedelta(seconds=20)
    assert sum(f.warned for f in fired) == 1 and sum(f.breached for f in fired) == 1
    assert event_kinds(ticket, "ack") == ["started", "warned", "breached"]
    assert ticket.messages.filter(event__in=["sla_warned", "sla_breached"]).count() == 2


def test_it_breaches_without_a_warning_when_it_first_runs_after_the_due_time(ticket_of_class,
                                                                             desk_time):
    ticket = ticket_of_class("expedite")
    assert fire_at(desk_time, hcm(10, 30)) == Fired(warned=0, breached=1)
    assert fire_due_timers() == NOTHING
    assert event_kinds(ticket, "ack") == ["started", "breached"]


# --- what a breach records ----------------------------------------------------------------

def test_it_records_a_breach_as_an_sla_event(ticket_of_class, desk_time):
    ticket = ticket_of_class("expedite")
    fire_at(desk_time, hcm(10, 10))
    breach = SlaEvent.objects.get(ticket=ticket, kind="breached")
    assert (breach.target, breach.at, breach.due_at) == ("ack", hcm(10, 10), hcm(10, 10))


def test_it_records_a_breach_on_the_timeline_as_the_system(ticket_of_class, desk_time):
    ticket = ticket_of_class("expedite")
    fire_at(desk_time, hcm(10, 10))
    event = ticket.messages.get(event="sla_breached")
    assert event.author == system_user()
    assert event.body == "SLA breached: acknowledge was due 10:10."
    assert event.data["target"] == "ack"
    assert not event.public


def test_it_records_a_warning_on_the_timeline_with_the_time_left(ticket_of_class, desk_time):
    ticket = ticket_of_class("expedite")
    fire_at(desk_time, hcm(10, 8))
    event = ticket.messages.get(event="sla_warned")
    assert event.body == "SLA warning: acknowledge due 10:10 (in 2 min)."


# --- who is told --------------------------------------------------------------------------

def test_it_tells_the_assignee_only_of_a_priority_breach(ticket_of_class, desk_time, agent,
                                                         other_agent, manager):
    ticket = ticket_of_class("priority", assignee=other_agent)
    fire_at(desk_time, hcm(10, 15))
    assert breached_for(ticket) == [other_agent.email]


def test_it_tells_the_team_of_an_unassigned_breach(ticket_of_class, desk_time, agent, manager,
                                                   dev_team, engineer):
    ticket = ticket_of_class("priority", team=dev_team)
    fire_at(desk_time, hcm(10, 15))
    assert breached_for(ticket) == [engineer.email]


def test_it_tells_every_agent_when_the_ticket_has_no_team_or_assignee(
        ticket_of_class, desk_time, agent, other_agent, manager, engineer):
    ticket = ticket_of_class("priority")
    fire_at(desk_time, hcm(10, 15))
    assert breached_for(ticket) == sorted([agent.email, other_agent.email])


def test_it_tells_the_managers_too_of_an_expedite_breach(ticket_of_class, desk_time, agent,
                                                         other_agent, manager):
    ticket = ticket_of_class("expedite", assignee=agent)
    fire_at(desk_time, hcm(10, 10))
    assert breached_for(ticket) == sorted([agent.email, manager.email])


def test_it_tells_the_teams_manager_rather_than_every_manager_of_an_expedite_breach(
        ticket_of_class, desk_time, agent, manager, dev_team, engineer):
    team_manager = create_user(email="lead@dev.example.edu.vn", role=Role.MANAGER,
                               name="Dev Lead", password="a-long-test-password")
    dev_team.members.add(team_manager)
    ticket = ticket_of_class("expedite", team=dev_team, assignee=agent)
    fire_at(desk_time, hcm(10, 10))
    assert breached_for(ticket) == sorted([agent.email, team_manager.email])


def test_it_names_the_ticket_in_the_notification(ticket_of_class, desk_time, agent):
    ticket = ticket_of_class("expedite", assignee=agent)
    fire_at(desk_time, hcm(10, 10))
    notification = Notification.objects.get(ticket=ticket, recipient=agent)
    assert notification.subject == f"[{ticket.ref}] SLA breached: acknowledge was due 10:10."
    assert notification.email_status == "pending"


def test_it_leaves_out_inactive_people(ticket_of_class, desk_time, agent, other_agent):
    User.objects.filter(pk=other_agent.pk).update(is_active=False)
    ticket = ticket_of_class("priority")
    fire_at(desk_time, hcm(10, 15))
    assert breached_for(ticket) == [agent.email]


# --- clocks that stopped in time ----------------------------------------------------------

def test_it_does_nothing_for_a_clock_met_before_its_warning(ticket_of_class, desk_time, agent):
    ticket = ticket_of_class("expedite")
    desk_time.move_to(hcm(10, 5))
    reply(ticket, agent)  # ack met; the next update is due 10:15, warned 10:13
    assert [fire_at(desk_time, hcm(10, m)) for m in (8, 10, 12)] == [NOTHING] * 3
    assert event_kinds(ticket, "ack") == ["started", "met"]


def test_it_does_nothing_for_a_clock_paused_before_its_due_time(ticket_of_class, desk_time,
                                                                agent):
    ticket = ticket_of_class("expedite")
    reply(ticket, agent)  # update due 10:10
    desk_time.move_to(hcm(10, 4))
    change_stage(ticket=ticket, actor=agent, to="waiting", waiting_reason="customer")
    assert [fire_at(desk_time, hcm(10, m)) for m in (8, 10, 45)] == [NOTHING] * 3
    assert clock_of(ticket, "update").status == "paused"


def test_it_breaches_the_update_clock_when_no_reply_follows_in_time(ticket_of_class, desk_time,
                                                                    agent):
    ticket = ticket_of_class("expedite")
    reply(ticket, agent)  # update due 10:10
    fire_at(desk_time, hcm(10, 10))
    assert clock_of(ticket, "update").status == "breached"


def test_it_restarts_a_breached_update_clock_with_the_next_reply(ticket_of_class, desk_time,
                                                                 agent):
    ticket = ticket_of_class("expedite")
    reply(ticket, agent)
    fire_at(desk_time, hcm(10, 10))
    desk_time.move_to(hcm(10, 12))
    reply(ticket, agent)
    update = clock_of(ticket, "update")
    assert (update.status, update.due_at) == ("running", hcm(10, 22))


def test_it_records_one_breach_for_one_late_update(ticket_of_class, desk_time, agent):
    ticket = ticket_of_class("expedite")
    reply(ticket, agent)  # update due 10:10
    fire_at(desk_time, hcm(10, 10))  # breached
    desk_time.move_to(hcm(10, 12))
    reply(ticket, agent)  # next update due 10:22
    desk_time.move_to(hcm(10, 15))
    change_stage(ticket=ticket, actor=agent, to="resolved")
    assert event_kinds(ticket, "update").count("breached") == 1


# --- email, once committed ----------------------------------------------------------------

def test_it_enqueues_no_email_until_the_breach_is_committed(ticket_of_class, desk_time, agent,
                                                            manager,
                                                            django_capture_on_commit_callbacks):
    ticket_of_class("expedite", assignee=agent)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        fire_at(desk_time, hcm(10, 10))
    assert not DBTaskResult.objects.exists()
    assert len(callbacks) == Notification.objects.count() == 2  # the agent and the manager


def test_it_enqueues_an_email_per_notification_once_committed(ticket_of_class, desk_time, agent,
                                                              django_capture_on_commit_callbacks):
    ticket_of_class("expedite", assignee=agent)
    with django_capture_on_commit_callbacks(execute=True):
        fire_at(desk_time, hcm(10, 10))
    tasks = DBTaskResult.objects.all()
    assert {t.task_path for t in tasks} == {
        "opsdesk.notifications.tasks.deliver_notification_email"}
    assert sorted(t.args_kwargs["kwargs"]["notification_id"] for t in tasks) == sorted(
        Notification.objects.values_list("pk", flat=True))


def test_it_emails_the_breach_when_the_task_runs(ticket_of_class, desk_time, agent, manager,
                                                 django_capture_on_commit_callbacks):
    ticket = ticket_of_class("priority", assignee=agent)
    with django_capture_on_commit_callbacks(execute=True):
        fire_at(desk_time, hcm(10, 15))
    task = DBTaskResult.objects.get()
    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id="test",
                    excluded_queue_names=[])
    task.claim(worker.worker_id)
    worker.run_task(task)

    task.refresh_from_db()
    assert (task.status, task.return_value) == (TaskResultStatus.SUCCESSFUL, "sent")
    [email] = mail.outbox
    assert email.to == [agent.email]
    assert email.subject == f"[{ticket.ref}] SLA breached: acknowledge was due 10:15."
    assert Notification.objects.get().email_status == "sent"
