"""A generic JSON webhook, signed so the receiver can tell the body came from opsdesk.

POST body: `{"event", "ticket": {"id", "ref", "title", "cos", "stage"} | null, "title",
"body", "sent_at"}`. Headers: `X-Opsdesk-Event`, `X-Opsdesk-Delivery` (the same on every
retry of one delivery, for de-duplication) and `X-Opsdesk-Signature: sha256=<hex>`, the
HMAC-SHA256 of the raw body under the channel's secret. Receivers should compare it in
constant time and may refuse a `sent_at` that is too old.
"""

import hashlib
import hmac
import json
from typing import Any

from django.utils import timezone

from ..models import Channel
from .base import ChannelMessage, TransportError
from .http import post_json

SIGNATURE_HEADER = "X-Opsdesk-Signature"


def signature(secret: str, body: bytes) -> str:
    """The value of the signature header for a body: `sha256=` and the hex HMAC."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(message: ChannelMessage) -> dict[str, Any]:
    """The documented JSON body for one notification."""
    return {
        "event": message.event,
        "ticket": dict(message.ticket) if message.ticket is not None else None,
        "title": message.title,
        "body": message.body,
        "sent_at": timezone.now().isoformat(),
    }


def send(channel: Channel, message: ChannelMessage) -> None:
    """Post the signed body; any 2xx answer means delivered."""
    if not channel.secret:
        raise TransportError("the webhook channel has no secret to sign with", permanent=True)
    body = json.dumps(webhook_body(message), ensure_ascii=False).encode()
    headers = {SIGNATURE_HEADER: signature(channel.secret, body),
               "X-Opsdesk-Event": message.event}
    if message.delivery_id is not None:
        headers["X-Opsdesk-Delivery"] = str(message.delivery_id)
    post_json(channel.target, body, headers)
