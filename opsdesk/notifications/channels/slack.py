"""Slack: an incoming webhook receiving `{"text": ...}` in Slack's mrkdwn.

The target is the `https://hooks.slack.com/services/…` URL of a Slack app's incoming
webhook. Posted here directly rather than through apprise — see the package docstring.
"""

import json
from typing import Any

from ..models import Channel
from .base import ChannelMessage
from .http import post_json


def escape(text: str) -> str:
    """Slack's three control characters, escaped as its docs require."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(message: ChannelMessage) -> dict[str, Any]:
    """The Slack message for one notification: the title in bold, then the body."""
    return {"text": f"*{escape(message.title)}*\n{escape(message.body)}", "unfurl_links": False}


def send(channel: Channel, message: ChannelMessage) -> None:
    """Post the message to the channel's incoming webhook (Slack answers 200 `ok`)."""
    post_json(channel.target, json.dumps(slack_message(message)).encode())
