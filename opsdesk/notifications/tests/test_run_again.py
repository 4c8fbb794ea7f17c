"""A channel message is sent at most once however often its job runs: an attempt is counted
before the call, and one a worker began and never finished (it died during the call) is not
made again — the message may have arrived — but failed for good, on the timeline."""

import pytest

from opsdesk.notifications.models import ChannelDelivery
from opsdesk.notifications.services import send_to_channels

pytestmark = pytest.mark.django_db


def test_an_attempt_its_worker_never_finished_is_failed_not_made_again(
        make_channel, make_ticket, chat, attempt):
    ticket = make_ticket(title="Exam submission fails for WEB102-HN")
    [delivery] = send_to_channels(channels=[make_channel("webhook")], ticket=ticket,
                                  kind="dev_alert", title="Dev alert", body="53 users blocked.")
    ChannelDelivery.objects.filter(pk=delivery.pk).update(attempts=1)  # the call under way

    assert attempt(delivery) == "failed"
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "stopped during the call" in delivery.last_error
    assert chat.received == []
    [failed] = ticket.messages.filter(event="notification_failed")
    assert "may have arrived" in failed.body
    assert attempt(delivery) == "skipped"


@pytest.mark.django_db(transaction=True)
def test_a_retry_due_is_made_and_counted_before_the_call(make_channel, make_ticket, chat,
                                                         attempt):
    """The attempt is committed as under way (counted, no next attempt) before the call."""
    from django.db import connection
    from django.utils import timezone

    def under_way(request) -> None:
        seen.append(ChannelDelivery.objects.values_list("attempts", "next_attempt_at")
                    .get(pk=delivery.pk))
        connection.close()  # the server thread's own

    ticket = make_ticket(title="Exam submission fails for WEB102-HN")
    [delivery] = send_to_channels(channels=[make_channel("webhook")], ticket=ticket,
                                  kind="dev_alert", title="Dev alert", body="53 users blocked.")
    ChannelDelivery.objects.filter(pk=delivery.pk).update(attempts=1,
                                                          next_attempt_at=timezone.now())
    seen: list[tuple[int, object]] = []
    chat.on_request = under_way

    assert attempt(delivery) == "sent"
    assert seen == [(2, None)]
    assert len(chat.received) == 1
