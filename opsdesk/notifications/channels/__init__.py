"""Transports that carry a message to a channel: one module per kind, one contract.

Every transport is `send(channel, message) -> None` and raises
`TransportError(message, permanent=...)` when it cannot deliver: permanent when trying
again cannot help (a revoked webhook answering 404, a refused address), otherwise the
delivery task tries again with back-off. `fake.py` is a real local HTTP server that stands
in for Teams, Slack and webhook receivers in the tests and the demo.

Why Teams and Slack are posted here and not through apprise (DESIGN.md §3 prefers apprise
"where it supports the service"), checked against apprise 2.2's own plugins:

- Slack (`slack://`) always posts to `https://hooks.slack.com/services` (or the gov host);
  no host or port can be given, so it cannot reach anything but Slack.
- Teams: apprise 2.2 has no `msteams://` any more (the Office 365 connectors it drove are
  retired); its `workflows://host:port/...` takes a host and port but always speaks
  `https://`, so it cannot reach a plain-HTTP fake on 127.0.0.1 either.
- `json://host:port/path` reaches any URL but sends apprise's own envelope
  (`version`, `title`, `message`, `type`), which neither Teams nor Slack accepts.
- Above all, `Apprise.notify()` answers only True or False. The delivery contract needs to
  tell a permanent failure (404 revoked webhook, 410 archived Slack channel: stop now) from
  a retryable one (5xx, time-out: try again later), and apprise hides the status.

Every other service apprise supports is reached through it: the `apprise` channel kind
takes any apprise URL (`channels/apprise_url.py`), its failures treated as retryable.

So each service's documented JSON (Teams: message with an Adaptive Card, the same envelope
apprise's `workflows://` builds; Slack: `{"text": ...}`) is posted by `http.post_json`,
which is the one code path used in production, in the tests and in the demo.
"""

from typing import TYPE_CHECKING

from .base import ChannelMessage, TicketSummary, TransportError

if TYPE_CHECKING:
    from ..models import Channel

__all__ = ["ChannelMessage", "TicketSummary", "TransportError", "send"]


def send(channel: "Channel", message: ChannelMessage) -> None:
    """Deliver one message over the channel's transport, or raise TransportError."""
    # Imported here so that the fake server (`python -m ...channels.fake`) needs no Django.
    from . import apprise_url, email, slack, teams, webhook

    transports = {"teams": teams.send, "slack": slack.send, "email": email.send,
                  "webhook": webhook.send, "apprise": apprise_url.send}
    transport = transports.get(channel.kind)
    if transport is None:
        raise TransportError(f"unknown channel kind {channel.kind!r}", permanent=True)
    transport(channel, message)
