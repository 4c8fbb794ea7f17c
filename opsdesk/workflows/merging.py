"""Two tickets are one request (merge), or one ticket holds two requests (split)."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.duplicates import services as duplicates
from opsdesk.sla import services as sla
from opsdesk.tickets import merging, stages
from opsdesk.tickets.models import Message, MessageKind, Stage, Ticket
from opsdesk.tickets.services import lock_ticket
from opsdesk.workflows.messages import add_message
from opsdesk.workflows.tickets import open_ticket


def merge_ticket(*, ticket: Ticket, into: Ticket, actor: User, version: int | None = None,
                 at: datetime | None = None) -> Ticket:
    """The ticket is the same request as `into`: its timeline, files, followers (its
    requester among them) and tags move there, it is cancelled with a pointer to `into`
    (clocks stopped, out of the duplicate index, no closure email), and its requester is
    told by a reply where the request continues. Returns the merged ticket; `version`:
    the merged ticket's, refused when stale; `at`: when it happened, now if None."""
    at = at or timezone.now()
    with transaction.atomic():
        ticket, into = merging.lock_pair(ticket=ticket, into=into, version=version)
        merging.check_mergeable(ticket=ticket, into=into, actor=actor)
        moved = merging.carry_over(ticket=ticket, into=into)
        merging.record_merge(ticket=ticket, into=into, actor=actor, moved=moved, at=at)
        cancelled = stages.move(ticket=ticket, actor=actor, to=Stage.CANCELLED,
                                reason=f"Merged into {into.ref}", at=at)
        ticket = cancelled.ticket
        sla.on_stage(ticket=ticket, previous=cancelled.previous, at=at)  # clocks cancelled
        duplicates.unindex_ticket(ticket=ticket)
        if settings.OPSDESK_AUTO_NOTIFY:
            subject, body = merging.merge_notice(ticket=ticket, into=into)
            add_message(ticket=ticket, actor=actor, kind=MessageKind.REPLY, body=body,
                        subject=subject, at=at)  # emailed from the worker once committed
    return ticket


def split_ticket(*, ticket: Ticket, message: Message | None, actor: User,
                 version: int | None = None, at: datetime | None = None) -> Ticket:
    """One of the ticket's messages is a request of its own: it becomes a new ticket (its
    author the requester, its first line the title, its files with it), opened as any
    request is (classified, clocks started, duplicates checked, acknowledged), and both
    tickets name each other. Returns the new ticket; `version`: the split ticket's,
    refused when stale; `at`: when it happened, now if None."""
    at = at or timezone.now()
    with transaction.atomic():
        ticket = lock_ticket(ticket=ticket, version=version)
        message = merging.check_splittable(ticket=ticket, message=message, actor=actor)
        new = open_ticket(draft=merging.split_draft(ticket=ticket, message=message),
                          actor=actor, at=at)
        merging.move_message(message=message, ticket=ticket, new=new, actor=actor, at=at)
    return new
