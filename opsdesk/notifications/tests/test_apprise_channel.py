"""Other services through apprise: a channel takes any apprise URL apprise supports."""

import pytest
from django.core.exceptions import ValidationError

from opsdesk.notifications.models import Channel
from opsdesk.notifications.services import send_to_channels


def test_an_apprise_url_apprise_supports_is_accepted(dev_team):
    channel = Channel(team=dev_team, name="Discord", kind="apprise",
                      target="discord://123456789/abcdefghijklmnopqrstuvwxyz")
    channel.full_clean()


def test_an_url_apprise_does_not_know_is_refused_with_a_clear_message(dev_team):
    channel = Channel(team=dev_team, name="Nope", kind="apprise", target="nosuchservice://x")
    with pytest.raises(ValidationError) as refused:
        channel.full_clean()
    assert "apprise URL" in refused.value.message_dict["target"][0]


def test_a_message_goes_out_through_apprise(chat, dev_team, attempt):
    target = chat.url("/apprise").replace("http://", "json://")
    channel = Channel.objects.create(team=dev_team, name="Generic", kind="apprise",
                                     target=target)
    [delivery] = send_to_channels(channels=[channel], ticket=None, kind="dev_alert",
                                  title="[#00001] Expedite alert", body="54 users blocked")
    assert attempt(delivery) == "sent"
    [request] = chat.received
    assert request.json()["title"] == "[#00001] Expedite alert"
    assert request.json()["message"] == "54 users blocked"


def test_a_failed_apprise_delivery_is_retried(chat, dev_team, attempt):
    chat.answer(500)
    target = chat.url("/apprise").replace("http://", "json://")
    channel = Channel.objects.create(team=dev_team, name="Generic", kind="apprise",
                                     target=target)
    [delivery] = send_to_channels(channels=[channel], ticket=None, kind="dev_alert",
                                  title="Alert", body="body")
    attempt(delivery)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
