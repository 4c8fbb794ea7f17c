"""A worker stopped right after a job committed leaves what the job was to send within it
untried; the periodic sweep queues it again, once."""

from datetime import timedelta

from django.db.models import F
from django_tasks_db.models import DBTaskResult

from opsdesk.communications.tasks import fan_out_new_tickets, requeue_stranded_replies
from opsdesk.core.jobs import running_job
from opsdesk.core.leases import requeue_abandoned_jobs
from opsdesk.core.tests.jobs_support import claimed_by_worker
from opsdesk.notifications.models import Channel, ChannelDelivery, Notification
from opsdesk.notifications.tasks import requeue_stranded_notices
from opsdesk.tickets.models import Message
from opsdesk.tickets.services import Impact, TicketDraft
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow


def _older(minutes: int) -> None:
    for model in (Message, Notification, ChannelDelivery):
        model.objects.update(created_at=F("created_at") - timedelta(minutes=minutes))


def test_what_a_stopped_worker_left_untried_is_queued_again_and_sent_once(
        agent, requester, manager, smtp, run_tasks):
    Channel.objects.create(name="Managers' webhook", kind="webhook", user=manager,
                           target="http://127.0.0.1:9/hook")
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail", impact=Impact(affected_users=60, blocking=True)))
    with running_job():  # its deliveries, due once it commits, never run: the worker stops
        fan_out_new_tickets.call(ticket_ids=[ticket.pk], actor_id=agent.pk)
    ack = Message.objects.get(ticket=ticket, template="ack")
    assert ack.delivery_status == "pending" and not DBTaskResult.objects.exists()

    _older(5)  # a job might still be sending them
    assert requeue_stranded_replies() == requeue_stranded_notices() == 0
    _older(6)
    assert requeue_stranded_replies() == 1
    assert requeue_stranded_notices() == 2  # the manager's email and webhook
    assert requeue_stranded_replies() == requeue_stranded_notices() == 0  # their jobs wait
    run_tasks()

    ack.refresh_from_db()
    assert ack.delivery_status == "sent"
    assert sorted(rcpt for rcpt, _ in smtp.received) == sorted(
        [[requester.email], [manager.email]])
    assert Notification.objects.get(recipient=manager).email_status == "sent"
    assert ChannelDelivery.objects.get().attempts == 1
    assert requeue_stranded_replies() == requeue_stranded_notices() == 0


def test_a_reply_whose_job_a_killed_worker_left_claimed_is_sent_by_that_job_again(
        agent, requester, smtp, run_tasks):
    """A job claimed and never finished keeps the sweep off its email while its worker is
    alive; the worker killed, the job is queued again when its lease runs out, sends the
    email, and the sweep queues nothing more."""
    from opsdesk.communications.tasks import send_reply_email

    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail"))
    reply = message_workflow.add_message(ticket=ticket, actor=agent, kind="reply", body="On it.")
    DBTaskResult.objects.all().delete()  # as if its job had been claimed, then lost
    claimed = send_reply_email.enqueue(message_id=reply.pk)
    claimed_by_worker(claimed.id, alive=True)
    _older(11)
    assert requeue_abandoned_jobs() == 0 and requeue_stranded_replies() == 0
    claimed_by_worker(claimed.id, alive=False)
    assert requeue_abandoned_jobs() == 1 and requeue_stranded_replies() == 0
    run_tasks()

    reply.refresh_from_db()
    assert reply.delivery_status == "sent"
    assert [rcpt for rcpt, _ in smtp.received] == [[requester.email]]
