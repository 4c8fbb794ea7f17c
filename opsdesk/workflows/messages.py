"""A note or a reply is added to a ticket's timeline."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.automation.engine import run_trigger
from opsdesk.automation.models import Trigger
from opsdesk.communications.outgoing import queue_reply_emails
from opsdesk.sla import services as sla
from opsdesk.tickets import services as tickets
from opsdesk.tickets.models import Message, MessageKind, Ticket
from opsdesk.tickets.services import MessageDraft


def add_message(
    *, ticket: Ticket, actor: User, kind: str, body: str, template: str = "", subject: str = "",
    locked: bool = False, at: datetime | None = None,
) -> Message:
    """Add a note (internal) or a reply (to the requester and followers) to the timeline;
    a reply rendered from a template keeps the subject rendered with it, for its email.
    `locked`: the caller read `ticket` under its row lock in the open transaction; `at`:
    when it was written, now if None."""
    draft = MessageDraft(ticket=ticket, body=body, template=template, subject=subject)
    return add_messages(actor=actor, kind=kind, drafts=[draft], locked=locked, at=at)[0]


def add_messages(*, actor: User, kind: str, drafts: Sequence[MessageDraft],
                 locked: bool = False, at: datetime | None = None) -> list[Message]:
    """`add_message` for several tickets at once (the fan-out's ACKs)."""
    at = at or timezone.now()
    with transaction.atomic():
        messages = tickets.store_messages(actor=actor, kind=kind, drafts=drafts, at=at,
                                          locked=locked)
        added = [(message.ticket, message) for message in messages]
        sla.on_replies(added=added)  # a staff reply meets the ACK and update clocks
        queue_reply_emails(messages)  # emailed from the worker once committed
        if not actor.is_desk_staff and kind == MessageKind.REPLY:
            for ticket, message in added:  # the requester wrote back
                run_trigger(trigger=Trigger.MESSAGE_RECEIVED, ticket=ticket, message=message,
                            now=at)
    return messages
