"""Checks for refused requests: the documented error body, and that nothing was changed."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opsdesk.accounts.models import User
from opsdesk.core.models import IdempotencyKey
from opsdesk.tickets.models import ImpactGroup, Message, Tag, Ticket


def assert_error(response: Any, status: int, code: str | None = None,
                 fields: tuple[str, ...] = ()) -> dict[str, Any]:
    """The response is `status` with API.md's error body; `fields` name the wrong inputs."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["fields"], dict), error
    if code is not None:
        assert error["code"] == code, error
    for name in fields:
        assert name in error["fields"], error
    return error


def _state(ticket: Ticket | None) -> dict[str, Any]:
    counts = {
        model.__name__: model.objects.count()
        for model in (Ticket, Message, User, ImpactGroup, Tag, IdempotencyKey)
    }
    if ticket is None:
        return counts
    row = Ticket.objects.filter(pk=ticket.pk).values().get()
    tags = sorted(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True))
    groups = list(ImpactGroup.objects.filter(ticket=ticket).values_list("name", "affected"))
    return {**counts, "ticket": row, "tags": tags, "groups": groups}


@contextmanager
def changes_nothing(ticket: Ticket | None = None) -> Iterator[None]:
    """No row is added or removed, and the ticket (with its tags and groups) is as it was."""
    before = _state(ticket)
    yield
    assert _state(ticket) == before
