"""Any other service apprise supports (Discord, Telegram, Matrix, Mattermost, ntfy, …).

The target is an apprise URL (`discord://…`, `tgram://…`, `json://host/path`). apprise only
says whether a message went out, not why it did not, so every failure is treated as
retryable; the delivery gives up after its last attempt as usual.
"""

import apprise

from ..models import Channel
from .base import ChannelMessage, TransportError


def supports(url: str) -> bool:
    """Whether apprise knows how to send to this URL."""
    return bool(apprise.Apprise().add(url))


def send(channel: Channel, message: ChannelMessage) -> None:
    """Send the title and body through apprise."""
    notifier = apprise.Apprise()
    if not notifier.add(channel.target):
        raise TransportError("apprise does not support this URL", permanent=True)
    if not notifier.notify(title=message.title, body=message.body):
        raise TransportError("apprise could not deliver", permanent=False)
