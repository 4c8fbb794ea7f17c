"""Channels belong to a team or a person; notify() reaches people's own channels."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tasks_db.models import DBTaskResult

from opsdesk.accounts.models import Team, User
from opsdesk.notifications.models import Channel, ChannelDelivery, DeliveryStatus, Notification
from opsdesk.notifications.services import (
    channels_for_team,
    channels_for_user,
    notify,
    send_to_channels,
)

pytestmark = pytest.mark.django_db


def test_channels_for_a_team_are_its_enabled_ones(make_channel, dev_team, agent):
    teams = make_channel("teams")
    make_channel("slack", enabled=False)
    make_channel("webhook", team=Team.objects.create(name="Infrastructure"))
    make_channel("email", user=agent, target="lan@example.edu.vn")

    assert list(channels_for_team(dev_team)) == [teams]


def test_channels_for_a_user_are_their_own_enabled_ones(make_channel, agent, manager):
    own = make_channel("slack", user=agent, name="Lan on Slack")
    make_channel("teams", user=agent, enabled=False)
    make_channel("teams", user=manager)
    make_channel("webhook")  # the Dev Team's

    assert list(channels_for_user(agent)) == [own]


@pytest.mark.parametrize("owners", ["both", "neither"])
def test_a_channel_has_exactly_one_owner(dev_team, agent, owners):
    fields = {"team": dev_team, "user": agent} if owners == "both" else {}
    with pytest.raises(IntegrityError), transaction.atomic():
        Channel.objects.create(kind="teams", name="x", target="https://example.org/h", **fields)


@pytest.mark.parametrize(("kind", "target"), [
    ("webhook", "ftp://example.org/hook"),
    ("teams", "file:///etc/passwd"),
    ("slack", "not a url"),
    ("email", "https://example.org"),
])
def test_a_target_of_the_wrong_form_is_refused(dev_team, kind, target):
    channel = Channel(team=dev_team, kind=kind, name="x", target=target)
    with pytest.raises(ValidationError) as refused:
        channel.full_clean()
    assert "target" in refused.value.message_dict


def test_a_webhook_gets_a_signing_secret_of_its_own(make_channel):
    first, second = make_channel("webhook"), make_channel("webhook")
    assert len(first.secret) >= 40 and first.secret != second.secret


def test_a_webhook_without_a_secret_is_refused(dev_team):
    channel = Channel(team=dev_team, kind="webhook", name="x",
                      target="https://example.org/hook", secret="")
    with pytest.raises(ValidationError) as refused:
        channel.full_clean()
    assert "secret" in refused.value.message_dict


def test_notify_reaches_a_persons_own_channel(make_channel, make_ticket, agent, chat, attempt,
                                             django_capture_on_commit_callbacks):
    ticket = make_ticket()
    make_channel("slack", user=agent, name="Lan on Slack")
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify(recipients=[agent], ticket=ticket, kind="sla_breached",
                                subject=f"[{ticket.ref}] SLA breached: ack", body="Was due 10:10.")

    assert notification.recipient == agent  # the email notification is still made
    assert {t.task_path.rsplit(".", 1)[1] for t in DBTaskResult.objects.all()} == {
        "deliver_notification_email", "deliver_to_channel"}
    delivery = ChannelDelivery.objects.get()
    assert (delivery.kind, delivery.ticket) == ("sla_breached", ticket)
    assert attempt(delivery) == "sent"
    assert chat.received[0].json()["text"] == f"*[{ticket.ref}] SLA breached: ack*\nWas due 10:10."


def test_notify_leaves_other_peoples_and_team_channels_alone(make_channel, make_ticket, agent,
                                                            manager):
    make_channel("slack", user=manager)
    make_channel("teams")  # the Dev Team's
    notify(recipients=iter([agent]), ticket=make_ticket(), kind="sla_warned", subject="s",
           body="b")

    assert Notification.objects.count() == 1
    assert not ChannelDelivery.objects.exists()


def test_the_admin_lists_channels_and_deliveries_and_sends_failed_ones_again(
        client, make_channel, make_ticket, django_capture_on_commit_callbacks):
    client.force_login(User.objects.create_superuser("root@example.edu.vn", "a-long-password"))
    [delivery] = send_to_channels(channels=[make_channel("teams")], ticket=make_ticket(),
                                  kind="dev_alert", title="Dev alert", body="b")
    ChannelDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED,
                                                          attempts=5)

    assert client.get("/admin/notifications/channel/?kind__exact=teams").status_code == 200
    assert client.get("/admin/notifications/channeldelivery/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/notifications/channeldelivery/", {
            "action": "send_again_action", "_selected_action": [delivery.pk]})

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_to_channel").exists()
