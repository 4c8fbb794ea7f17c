"""Opaque keyset cursors for API lists and web queues."""

import base64
import json

from django.conf import settings

from .errors import InvalidInput


def encode_cursor(values: list[object]) -> str:
    """An opaque cursor naming the last row of a page."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[object]:
    """The row values a cursor names, or a clear error when it was tampered with."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("The cursor is not valid.", fields={"cursor": "not valid"}) from exc
    if not isinstance(values, list):
        raise InvalidInput("The cursor is not valid.", fields={"cursor": "not valid"})
    return values


def page_size(limit: int | None) -> int:
    """The page size asked for, within the API's bounds."""
    if limit is None:
        return int(settings.OPSDESK_PAGE_SIZE)
    if limit < 1 or limit > settings.OPSDESK_PAGE_SIZE_MAX:
        raise InvalidInput(
            f"limit must be between 1 and {settings.OPSDESK_PAGE_SIZE_MAX}.",
            fields={"limit": f"between 1 and {settings.OPSDESK_PAGE_SIZE_MAX}"},
        )
    return limit
