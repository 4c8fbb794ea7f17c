"""Poll IMAP mailboxes: fetch new messages, ingest each, mark it seen.

Safe with several workers: a worker claims a mailbox (a row lock taken with SKIP LOCKED,
then a short lease) before it talks to the server, so each mailbox has one poller at a time.
"""

import logging
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from imapclient import SEEN, IMAPClient

from .models import Mailbox, Security
from .services import ingest_email

logger = logging.getLogger("opsdesk.inbound")

LEASE = timedelta(minutes=5)
BATCH = 20
MAX_PER_POLL = 500  # a large backlog is taken in several polls, each within its lease


@dataclass
class PollResult:
    fetched: int = 0
    ingested: int = 0
    failed: int = 0
    error: str = ""


def poll_mailboxes() -> dict[str, PollResult]:
    """Poll every enabled mailbox that no other worker is polling (the periodic job)."""
    results = {}
    for pk in Mailbox.objects.filter(enabled=True).values_list("pk", flat=True):
        mailbox = claim_mailbox(pk=pk)
        if mailbox is not None:
            results[mailbox.name] = poll_mailbox(mailbox=mailbox)
    return results


def claim_mailbox(*, pk: int) -> Mailbox | None:
    """Take the mailbox for this worker for a lease, unless another worker holds it."""
    now = timezone.now()
    with transaction.atomic():
        mailbox = (Mailbox.objects.select_for_update(skip_locked=True)
                   .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
                           pk=pk, enabled=True).first())
        if mailbox is None:
            return None
        mailbox.claimed_until = now + LEASE
        mailbox.save(update_fields=["claimed_until"])
    return mailbox


def connect(mailbox: Mailbox) -> IMAPClient:
    """A logged-in IMAP connection to the mailbox's server."""
    context = ssl.create_default_context()
    client = IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.security == Security.SSL,
                        ssl_context=context, timeout=30)
    client.normalise_times = False  # INTERNALDATE with its time zone
    if mailbox.security == Security.STARTTLS:
        client.starttls(context)
    client.login(mailbox.username, mailbox.password)
    return client


def poll_mailbox(*, mailbox: Mailbox) -> PollResult:
    """Ingest the new messages of a claimed mailbox, then release it."""
    result = PollResult()
    try:
        client = connect(mailbox)
        try:
            _poll(client, mailbox, result)
        finally:
            _logout(client)
    except Exception as exc:  # the server, the network or the login: try again next time
        result.error = f"{type(exc).__name__}: {exc}"
        logger.warning("mailbox %s: poll failed (%s)", mailbox.pk, type(exc).__name__)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        claimed_until=None, last_polled_at=timezone.now(), last_error=result.error,
        last_uid=mailbox.last_uid, uid_validity=mailbox.uid_validity,
    )
    logger.info("mailbox %s: %d fetched, %d ingested, %d failed", mailbox.pk, result.fetched,
                result.ingested, result.failed)
    return result


def _poll(client: IMAPClient, mailbox: Mailbox, result: PollResult) -> None:
    folder = client.select_folder(mailbox.folder)
    validity = int(folder.get(b"UIDVALIDITY", 0))
    if validity != mailbox.uid_validity:  # the folder was rebuilt: its old UIDs mean nothing
        mailbox.uid_validity, mailbox.last_uid = validity, 0
    uids = _new_uids(client, mailbox)
    for start in range(0, len(uids), BATCH):
        batch = uids[start:start + BATCH]
        fetched = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
        for uid in batch:
            if uid in fetched:
                _ingest_one(client, mailbox, uid, fetched[uid], result)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            claimed_until=timezone.now() + LEASE, last_uid=mailbox.last_uid,
            uid_validity=mailbox.uid_validity,
        )


def _new_uids(client: IMAPClient, mailbox: Mailbox) -> list[int]:
    """Unseen messages, and any arrived since the last poll (even if someone read them)."""
    uids = set(client.search(["UNSEEN"]))
    if mailbox.last_uid:
        uids |= {u for u in client.search(["UID", f"{mailbox.last_uid + 1}:*"])
                 if u > mailbox.last_uid}
    return sorted(uids)[:MAX_PER_POLL]


def _ingest_one(client: IMAPClient, mailbox: Mailbox, uid: int, data: dict[bytes, object],
                result: PollResult) -> None:
    result.fetched += 1
    raw = data.get(b"BODY[]")
    try:
        if not isinstance(raw, bytes):
            raise ValueError("the server sent no message body")
        received = data.get(b"INTERNALDATE")
        when = received if isinstance(received, datetime) and received.tzinfo else None
        ingest_email(raw=raw, mailbox=mailbox.name, received_at=when)
    except Exception as exc:  # left unseen: the next poll tries it again
        result.failed += 1
        logger.error("mailbox %s: message uid %s not ingested (%s)", mailbox.pk, uid,
                     type(exc).__name__)
        return
    client.add_flags([uid], [SEEN])
    mailbox.last_uid = max(mailbox.last_uid, uid)
    result.ingested += 1


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # the connection is gone already
        logger.debug("IMAP logout failed")
