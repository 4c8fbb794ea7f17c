"""Files that came with an email, stored on the ticket within the size limit."""

import logging
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename

from opsdesk.tickets.models import Attachment, Message, Ticket

from .parsing import AttachedFile

logger = logging.getLogger("opsdesk.inbound")


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


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


class AttachmentStore:
    """Stores a mail's attachments; removes the files again if the transaction fails."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.written: list[str] = []

    def too_large(self, files: list[AttachedFile]) -> list[str]:
        """A line for each attachment over the limit, for the message body."""
        return [f"[Attachment “{f.filename}” ({megabytes(f.size)}) was not stored: it is "
                f"larger than the {megabytes(self.limit)} limit.]"
                for f in files if f.payload is None]

    def save(self, files: list[AttachedFile], *, ticket: Ticket, message: Message | None,
             inbound_id: int) -> list[Attachment]:
        """Store each attachment within the limit on the ticket (and its timeline message)."""
        stored = []
        for f in files:
            if f.payload is None:
                logger.warning("inbound email %s: an attachment of %d bytes was over the "
                               "limit and not stored", inbound_id, f.size)
                continue
            attachment = Attachment(ticket=ticket, message=message, filename=f.filename,
                                    content_type=f.content_type, size=f.size)
            attachment.file.save(storage_name(f.filename), ContentFile(f.payload), save=False)
            if attachment.file.name:
                self.written.append(attachment.file.name)
            attachment.save()
            stored.append(attachment)
        return stored

    def discard(self) -> None:
        """Remove the files written so far (their rows were rolled back)."""
        for name in self.written:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not remove an attachment file after a rollback")
        self.written.clear()
