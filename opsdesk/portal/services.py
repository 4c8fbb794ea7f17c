"""What the portal changes: a requester's new ticket, reply and their attached files.

Each runs in one transaction; files written before a failure are removed again.
"""

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import get_valid_filename

from opsdesk.accounts.models import User
from opsdesk.core.errors import Conflict
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import Attachment, Message, MessageKind, Stage, Ticket
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

logger = logging.getLogger("opsdesk.portal")

# A reply to a ticket in these stages would go unread: the requester opens a new ticket.
NO_REPLY_STAGES = frozenset({Stage.CLOSED, Stage.CANCELLED})


def storage_name(filename: str) -> str:
    """A safe file name for storage: no directories, no odd characters, not too long."""
    base = PurePosixPath(filename.replace("\\", "/")).name
    try:
        name = get_valid_filename(base)
    except Exception:  # nothing usable left (e.g. "..")
        name = "attachment"
    stem, dot, suffix = name.rpartition(".")
    if dot and len(suffix) <= 10:
        return f"{stem[:100] or 'attachment'}.{suffix}"
    return name[:100] or "attachment"


@contextmanager
def _files_removed_on_failure() -> Iterator[list[str]]:
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not remove an attachment file after a failure")
        raise


def _attach(files: Sequence[UploadedFile], *, ticket: Ticket, message: Message | None,
            written: list[str]) -> None:
    for upload in files:
        attachment = Attachment(ticket=ticket, message=message,
                                filename=(upload.name or "attachment")[:255],
                                content_type=(upload.content_type or "")[:100],
                                size=upload.size or 0)
        attachment.file.save(storage_name(upload.name or "attachment"), upload, save=False)
        written.append(attachment.file.name or "")
        attachment.save()


def submit_ticket(*, requester: User, title: str, description: str, affected_users: int,
                  group: str = "", files: Sequence[UploadedFile] = (),
                  language: str = "en") -> Ticket:
    """A new ticket from the portal form, with its impact group and attached files."""
    groups = [(group.strip(), affected_users)] if group.strip() else None
    with _files_removed_on_failure() as written, transaction.atomic():
        ticket = ticket_workflow.open_ticket(actor=requester, draft=TicketDraft(
            requester=requester, title=title, description=description, channel="portal",
            language=language, impact=Impact(affected_users=affected_users, groups=groups)))
        created = ticket.messages.filter(kind=MessageKind.EVENT, event="created").first()
        _attach(files, ticket=ticket, message=created, written=written)
    return ticket


def reply(*, ticket: Ticket, requester: User, body: str,
          files: Sequence[UploadedFile] = ()) -> Message:
    """The requester's reply on their ticket, with any attached files."""
    if ticket.stage in NO_REPLY_STAGES:
        raise Conflict("This ticket is closed.", fields={"body": "closed"})
    with _files_removed_on_failure() as written, transaction.atomic():
        message = message_workflow.add_message(ticket=ticket, actor=requester,
                                              kind=MessageKind.REPLY, body=body)
        _attach(files, ticket=ticket, message=message, written=written)
    return message


def visible_attachments(ticket: Ticket) -> QuerySet[Attachment]:
    """The ticket's files a requester may open: those of public timeline entries only.

    A file on a note, on an internal event or on no entry at all stays inside the desk.
    """
    return ticket.attachments.filter(message__public=True).exclude(
        message__kind=MessageKind.NOTE).order_by("created_at", "id")
