"""Channel deliveries: enqueued after commit, sent by the worker, retried with back-off, and
visible on the ticket when they are sent or fail for good."""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from opsdesk.notifications.models import ChannelDelivery, DeliveryStatus
from opsdesk.notifications.services import send_again, send_to_channels
from opsdesk.notifications.tasks import BACKOFF, MAX_ATTEMPTS

pytestmark = pytest.mark.django_db

TASK_PATH = "opsdesk.notifications.tasks.deliver_to_channel"


@pytest.fixture
def ticket(make_ticket):
    return make_ticket(title="Exam submission fails for WEB102-HN")


def dev_alert(channel, ticket):
    [delivery] = send_to_channels(channels=[channel], ticket=ticket, kind="dev_alert",
                                  title=f"[{ticket.ref}] Dev alert", body="53 users blocked.")
    return delivery


def events(ticket, event):
    return list(ticket.messages.filter(event=event))


def test_nothing_is_enqueued_until_the_deliveries_are_committed(
        make_channel, ticket, django_capture_on_commit_callbacks):
    teams, slack = make_channel("teams"), make_channel("slack")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = send_to_channels(channels=[teams, slack], ticket=ticket, kind="dev_alert",
                                   title="t", body="b")
    assert not DBTaskResult.objects.exists()
    assert len(callbacks) == len(created) == 2
    assert {d.status for d in created} == {DeliveryStatus.PENDING}


def test_a_task_per_delivery_is_enqueued_once_committed(
        make_channel, ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = send_to_channels(channels=[make_channel("teams"), make_channel("webhook")],
                                   ticket=ticket, kind="dev_alert", title="t", body="b")
    tasks = DBTaskResult.objects.all()
    assert {t.task_path for t in tasks} == {TASK_PATH}
    assert sorted(t.args_kwargs["kwargs"]["delivery_id"] for t in tasks) == sorted(
        d.pk for d in created)


def test_a_disabled_channel_gets_nothing(make_channel, ticket):
    assert send_to_channels(channels=[make_channel("teams", enabled=False)], ticket=ticket,
                            kind="dev_alert", title="t", body="b") == []


def test_a_sent_delivery_is_an_internal_event_on_the_ticket(make_channel, ticket, chat, attempt):
    delivery = dev_alert(make_channel("teams", name="Dev Team on Teams"), ticket)

    assert attempt(delivery) == "sent"

    assert len(chat.received) == 1
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert delivery.delivered_at is not None
    [event] = events(ticket, "notification_sent")
    assert not event.public
    assert "Dev Team on Teams (Microsoft Teams)" in event.body
    assert event.data["delivery_id"] == delivery.pk


def test_the_webhook_is_told_about_the_ticket_as_it_was(make_channel, ticket, chat, attempt):
    delivery = dev_alert(make_channel("webhook"), ticket)

    attempt(delivery)

    body = chat.received[0].json()
    assert body["ticket"] == {"id": ticket.pk, "ref": ticket.ref, "title": ticket.title,
                              "cos": ticket.cos, "stage": ticket.stage}
    assert chat.received[0].headers["X-Opsdesk-Event"] == "dev_alert"


def test_a_down_endpoint_is_retried_with_back_off_then_failed_on_the_timeline(
        make_channel, ticket, chat, attempt):
    chat.stop()
    delivery = dev_alert(make_channel("slack", name="Dev Team on Slack"), ticket)

    for number, wait in enumerate(BACKOFF, start=1):
        before = timezone.now()
        assert attempt(delivery) == "retrying"
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, number)
        assert before + wait <= delivery.next_attempt_at <= timezone.now() + wait
        assert "could not connect" in delivery.last_error
        retry = DBTaskResult.objects.filter(task_path=TASK_PATH).latest("enqueued_at")
        assert retry.run_after == delivery.next_attempt_at
        assert retry.args_kwargs["kwargs"] == {"delivery_id": delivery.pk}
        assert not events(ticket, "notification_failed")

    assert attempt(delivery) == "failed"

    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == len(BACKOFF)
    [event] = events(ticket, "notification_failed")
    assert not event.public
    assert event.body.startswith("Could not notify Dev Team on Slack (Slack) after 5 attempts: "
                                 "could not connect")


def test_the_back_off_is_30_seconds_2_10_and_30_minutes():
    assert [w.total_seconds() for w in BACKOFF] == [30, 120, 600, 1800]


def test_a_500_is_retried_and_a_later_attempt_can_succeed(make_channel, ticket, chat, attempt):
    chat.answer(500)
    delivery = dev_alert(make_channel("teams"), ticket)

    assert attempt(delivery) == "retrying"
    assert delivery.last_error == "HTTP 500"
    chat.answer(202)
    assert attempt(delivery) == "sent"

    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert len(chat.received) == 2
    assert len(events(ticket, "notification_sent")) == 1
    assert not events(ticket, "notification_failed")


def test_a_4xx_fails_at_once_and_says_so_on_the_ticket(make_channel, ticket, chat, attempt):
    chat.answer(404, "no_service")
    delivery = dev_alert(make_channel("slack", name="Dev Team on Slack"), ticket)

    assert attempt(delivery) == "failed"

    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert not DBTaskResult.objects.exists()
    [event] = events(ticket, "notification_failed")
    assert event.body == ("Could not notify Dev Team on Slack (Slack) after 1 attempt: "
                          "HTTP 404 (no_service)")


def test_a_sent_delivery_is_not_sent_twice(make_channel, ticket, chat, attempt):
    delivery = dev_alert(make_channel("webhook"), ticket)
    attempt(delivery)

    assert attempt(delivery) == "skipped"
    assert len(chat.received) == 1


def test_a_channel_disabled_before_delivery_fails_it(make_channel, ticket, chat, attempt):
    channel = make_channel("teams")
    delivery = dev_alert(channel, ticket)
    channel.enabled = False
    channel.save()

    assert attempt(delivery) == "failed"
    assert delivery.last_error == "the channel was disabled"
    assert not chat.received


def test_a_delivery_about_no_ticket_records_no_event(make_channel, chat, attempt):
    [delivery] = send_to_channels(channels=[make_channel("webhook")], ticket=None,
                                  kind="digest", title="Weekly digest", body="…")
    assert attempt(delivery) == "sent"
    assert delivery.ticket is None


def test_a_failed_delivery_can_be_sent_again(make_channel, ticket, chat, attempt,
                                             django_capture_on_commit_callbacks):
    chat.answer(410, "channel_is_archived")
    delivery = dev_alert(make_channel("slack"), ticket)
    attempt(delivery)
    chat.answer(200, "ok")

    with django_capture_on_commit_callbacks(execute=True):
        send_again(delivery=delivery)

    assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {"delivery_id": delivery.pk}
    assert attempt(delivery) == "sent"


def test_logs_carry_neither_the_url_token_nor_the_message(make_channel, ticket, chat, attempt,
                                                          caplog):
    chat.stop()
    delivery = dev_alert(make_channel("slack", target=chat.url("/services/T0/B0/TOKEN-XYZ")),
                         ticket)

    with caplog.at_level(logging.DEBUG):
        attempt(delivery)

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"channel delivery {delivery.pk}" in logged
    assert "TOKEN-XYZ" not in logged
    assert "53 users" not in logged and ticket.title not in logged


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_data")
def test_the_worker_delivers_what_was_committed(make_channel, make_ticket, chat):
    ticket = make_ticket()
    send_to_channels(channels=[make_channel("webhook")], ticket=ticket, kind="manager_notice",
                     title=f"[{ticket.ref}] Manager notice", body="Expedite opened.")

    call_command("db_worker", batch=True, interval=0, startup_delay=False)

    assert chat.received[0].headers["X-Opsdesk-Event"] == "manager_notice"
    assert ChannelDelivery.objects.get().status == DeliveryStatus.SENT
    ran = sorted(DBTaskResult.objects.values_list("task_path", "status"))
    assert ran == [  # the delivery, and the new ticket's own: its fan-out and the ACK's email
        ("opsdesk.communications.tasks.fan_out_new_tickets", "SUCCESSFUL"),
        ("opsdesk.communications.tasks.send_reply_email", "SUCCESSFUL"),
        ("opsdesk.notifications.tasks.deliver_to_channel", "SUCCESSFUL")]


def test_a_retry_is_not_picked_up_before_its_time(make_channel, ticket, chat, attempt):
    chat.answer(503)
    delivery = dev_alert(make_channel("teams"), ticket)
    attempt(delivery)

    assert not DBTaskResult.objects.ready().exists()
    assert DBTaskResult.objects.get().run_after > timezone.now() + timedelta(seconds=25)
