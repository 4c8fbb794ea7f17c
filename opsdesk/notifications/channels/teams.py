"""Microsoft Teams: a Workflows (Power Automate) webhook receiving an Adaptive Card.

The target is the URL Teams gives when a channel adds the workflow "Post to a channel when
a webhook request is received". The body is the message-with-Adaptive-Card envelope that
Workflows documents and that apprise's `workflows://` notifier sends too; it is posted
here directly rather than through apprise — see the package docstring for why.
"""

import json
from typing import Any

from ..models import Channel
from .base import ChannelMessage
from .http import post_json

ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def card(message: ChannelMessage) -> dict[str, Any]:
    """The Teams message for one notification: a title, the body, the ticket's facts."""
    blocks: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.title, "style": "heading", "weight": "Bolder",
         "size": "Large", "wrap": True},
        {"type": "TextBlock", "text": message.body, "wrap": True},
    ]
    if message.ticket is not None:
        blocks.append({"type": "FactSet", "facts": [
            {"title": "Ticket", "value": message.ticket["ref"]},
            {"title": "Class of Service", "value": message.ticket["cos"]},
            {"title": "Stage", "value": message.ticket["stage"]},
        ]})
    return {
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": None,
            "content": {
                "$schema": ADAPTIVE_CARD_SCHEMA, "type": "AdaptiveCard", "version": "1.4",
                "body": blocks, "msteams": {"width": "Full"},
            },
        }],
    }


def send(channel: Channel, message: ChannelMessage) -> None:
    """Post the card to the channel's Workflows URL (Teams answers 202 Accepted)."""
    post_json(channel.target, json.dumps(card(message)).encode())
