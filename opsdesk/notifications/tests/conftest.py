"""A fake chat service on 127.0.0.1, channels pointing at it, and a way to run deliveries."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from opsdesk.notifications.channels.fake import FakeChatServer
from opsdesk.notifications.models import Channel, ChannelDelivery
from opsdesk.notifications.tasks import deliver_to_channel


@pytest.fixture
def chat() -> Iterator[FakeChatServer]:
    """A Teams / Slack / webhook receiver that answers 200 `ok` until told otherwise."""
    with FakeChatServer() as server:
        yield server


@pytest.fixture
def make_channel(chat: FakeChatServer, dev_team: Any) -> Callable[..., Channel]:
    """A channel of the Dev Team pointing at the fake, unless told otherwise."""

    def make(kind: str, **fields: Any) -> Channel:
        fields.setdefault("name", f"Dev Team on {kind}")
        fields.setdefault("target", chat.url(f"/{kind}"))
        if "user" not in fields:
            fields.setdefault("team", dev_team)
        return Channel.objects.create(kind=kind, **fields)

    return make


@pytest.fixture
def attempt(django_capture_on_commit_callbacks: Any) -> Callable[[ChannelDelivery], str]:
    """Run one delivery attempt as the worker would, committing what it enqueues."""

    def run(delivery: ChannelDelivery) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = deliver_to_channel.call(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        return outcome

    return run
