"""Tickets asked for at the same moment by concurrent requests of one server process are
created together, as mail read in bulk is: one `create_tickets` batch, one transaction.

No request waits for a batch to fill. The first to arrive creates its ticket at once; the
requests that arrive meanwhile queue, and when it is done the first of them creates every
ticket queued, and so on. A batch that cannot be created together (a refused draft, any
error) is created one by one, so each request gets its own ticket or its own error. With
one thread per process (sync workers, tests) every batch is a batch of one.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from opsdesk.accounts.models import User

from .models import Ticket
from .services import TicketDraft, create_tickets

logger = logging.getLogger("opsdesk.tickets")
MAX_BATCH = 50


@dataclass(eq=False)
class _Request:
    actor: User
    draft: Callable[[], TicketDraft]  # called inside the creating transaction
    done: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    ticket: Ticket | None = None
    error: BaseException | None = None


class _Creator:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: list[_Request] = []
        self._busy = False

    def create(self, request: _Request) -> Ticket:
        with self._lock:
            self._queued.append(request)
            request.leads = not self._busy
            self._busy = True
        if not request.leads:
            request.done.wait()
        if request.leads:  # first in, or handed the queue by the batch before
            self._create_queued()
        if request.error is not None:
            raise request.error
        assert request.ticket is not None
        return request.ticket

    def _create_queued(self) -> None:
        with self._lock:
            batch, self._queued = self._queued[:MAX_BATCH], self._queued[MAX_BATCH:]
        try:
            _create_batch(batch)
        finally:
            with self._lock:
                following = self._queued[0] if self._queued else None
                self._busy = following is not None
            if following is not None:
                following.leads = True
                following.done.set()
            for request in batch:
                if request.ticket is None and request.error is None:  # the batch was cut short
                    request.error = RuntimeError("The ticket could not be created; try again.")
                request.leads = False
                request.done.set()


def _create_batch(batch: list[_Request]) -> None:
    """Create the batch's tickets together (by actor), else one by one."""
    by_actor: dict[int, list[_Request]] = {}
    for request in batch:
        by_actor.setdefault(request.actor.pk, []).append(request)
    for requests in by_actor.values():
        if len(requests) > 1:
            try:
                with transaction.atomic():
                    tickets = create_tickets(actor=requests[0].actor,
                                             drafts=[r.draft() for r in requests])
            except Exception as exc:  # each is created alone below, keeping its own error
                logger.info("%d tickets could not be created together (%s: %s); creating "
                            "them one by one", len(requests), type(exc).__name__, exc)
            else:
                for request, ticket in zip(requests, tickets, strict=True):
                    request.ticket = ticket
                continue
        for request in requests:
            _create_alone(request)


def _create_alone(request: _Request) -> None:
    try:
        with transaction.atomic():
            request.ticket = create_tickets(actor=request.actor, drafts=[request.draft()])[0]
    except Exception as exc:  # raised again in the request's own thread
        request.error = exc


_creator = _Creator()


def create_in_turn(*, actor: User, draft: Callable[[], TicketDraft]) -> Ticket:
    """Create the ticket `draft()` describes (called in the creating transaction), together
    with those other requests of this process ask for meanwhile (OPSDESK_CREATE_TOGETHER)."""
    if not settings.OPSDESK_CREATE_TOGETHER or transaction.get_connection().in_atomic_block:
        with transaction.atomic():  # alone: a caller's transaction is its own
            return create_tickets(actor=actor, drafts=[draft()])[0]
    return _creator.create(_Request(actor=actor, draft=draft))

