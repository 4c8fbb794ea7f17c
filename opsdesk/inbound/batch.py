"""Ingest many messages at once (a directory, a bulk import): plain new requests become
tickets together, in one transaction with bulk inserts (`open_tickets`); every other
message goes through `ingest_email` on its own, exactly as if piped in.

A plain new request has a valid sender, is neither automatic nor opsdesk's own mail, cites
no Message-ID opsdesk or the batch knows and no [#ref] tag, carries no attachment, and its
Message-ID was not received before. The others are ingested as they come; the requests
wait for the end of the batch, unless a message answers (or repeats) one of them: then they
are created first, so the reply threads onto its ticket. So a request may get a higher
ticket number than a message read after it. When
creating them together fails (the same mail arriving elsewhere at that moment, say), each
is ingested on its own, so each failure is kept and reported as usual.
"""

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.accounts.services import Contact, find_or_create_requesters, system_user
from opsdesk.tickets.models import MailReference
from opsdesk.workflows.tickets import open_tickets

from .models import InboundEmail, Outcome
from .parsing import ParsedEmail, parse_email
from .recognise import SUBJECT_TAG, automatic_outcome, is_own_mail
from .services import (
    ingest_email,
    log_outcome,
    max_attachment_bytes,
    request_draft,
    request_text,
    sender_problem,
    stored_original,
)

logger = logging.getLogger("opsdesk.inbound")

BATCH_SIZE = 100  # messages read (and their references looked up) together


@dataclass(frozen=True)
class _Request:
    raw: bytes
    parsed: ParsedEmail
    body: str
    language: str


def ingest_many(*, raws: Iterable[bytes], mailbox: str = "") -> Counter[str]:
    """Ingest messages in order, plain new requests together; outcome counts."""
    counts: Counter[str] = Counter()
    chunk: list[bytes] = []
    for raw in raws:
        chunk.append(raw)
        if len(chunk) == BATCH_SIZE:
            counts.update(i.outcome for i in ingest_batch(raws=chunk, mailbox=mailbox))
            chunk = []
    counts.update(i.outcome for i in ingest_batch(raws=chunk, mailbox=mailbox))
    return counts


def ingest_batch(*, raws: Sequence[bytes], mailbox: str = "") -> list[InboundEmail]:
    """Ingest these messages in order, plain new requests together; what each became."""
    parsed = [parse_email(raw, max_attachment_bytes=max_attachment_bytes()) for raw in raws]
    cited = {h for p in parsed for h in (p.message_id, *p.in_reply_to, *p.references)}
    known = set(MailReference.objects.filter(header__in=cited).values_list("header", flat=True))
    received = set(InboundEmail.objects.filter(message_id__in=[p.message_id for p in parsed])
                   .values_list("message_id", flat=True))
    results: dict[int, InboundEmail] = {}
    waiting: dict[int, _Request] = {}
    for n, (raw, mail) in enumerate(zip(raws, parsed, strict=True)):
        if _plain_request(mail, known=known, received=received):
            waiting[n] = _Request(raw, mail, *request_text(mail))
            received.add(mail.message_id)
            known.add(mail.message_id)  # a reply to it later in the batch is not plain
            continue
        if _cites(mail, waiting.values()):  # it needs their tickets: create them first
            results |= _create_together(waiting, mailbox=mailbox)
            waiting = {}
        results[n] = ingest_email(raw=raw, mailbox=mailbox, parsed=mail)
    results |= _create_together(waiting, mailbox=mailbox)
    return [results[n] for n in range(len(raws))]


def _cites(mail: ParsedEmail, requests: Iterable[_Request]) -> bool:
    """Whether the mail is, or answers, one of these requests."""
    ids = {mail.message_id, *mail.in_reply_to, *mail.references}
    return any(r.parsed.message_id in ids for r in requests)


def _plain_request(parsed: ParsedEmail, *, known: set[str], received: set[str]) -> bool:
    """Whether the mail is a new request that needs nothing looked up one by one."""
    return not (
        parsed.message_id in received or parsed.attachments or sender_problem(parsed)
        or not known.isdisjoint([parsed.message_id, *parsed.in_reply_to, *parsed.references])
        or SUBJECT_TAG.search(parsed.subject) or is_own_mail(parsed, {})
        or automatic_outcome(parsed)
    )


def _create_together(requests: dict[int, _Request], *,
                     mailbox: str) -> dict[int, InboundEmail]:
    """The requests' tickets and stored originals in one transaction, or, should that
    fail, each request ingested on its own; by position in the batch."""
    if not requests:
        return {}
    try:
        with transaction.atomic():
            stored = _store_requests(list(requests.values()), mailbox=mailbox)
    except Exception as exc:  # each mail then fails, or not, on its own, as ingest_email does
        logger.warning("%d new requests could not be created together (%s: %s); "
                       "ingesting them one by one", len(requests), type(exc).__name__, exc)
        return {n: ingest_email(raw=r.raw, mailbox=mailbox, parsed=r.parsed)
                for n, r in requests.items()}
    for inbound in stored:
        log_outcome(inbound)
    return dict(zip(requests, stored, strict=True))


def _store_requests(requests: list[_Request], *, mailbox: str) -> list[InboundEmail]:
    now = timezone.now()
    requesters = _requesters(requests)
    drafts = [request_draft(r.parsed, requester=requesters[r.parsed.from_address.lower()],
                            body=r.body, language=r.language, received_at=now)
              for r in requests]
    tickets = open_tickets(actor=system_user(), drafts=drafts)
    stored = InboundEmail.objects.bulk_create([
        stored_original(raw=r.raw, parsed=r.parsed, mailbox=mailbox, received_at=now,
                        outcome=Outcome.TICKET_CREATED, ticket=ticket)
        for r, ticket in zip(requests, tickets, strict=True)])
    MailReference.objects.bulk_create([
        MailReference(header=r.parsed.message_id, ticket=ticket, outgoing=False)
        for r, ticket in zip(requests, tickets, strict=True) if r.parsed.has_message_id])
    return stored


def _requesters(requests: list[_Request]) -> dict[str, User]:
    """The requester of each sender (by lower-case address), found or created together."""
    return find_or_create_requesters(contacts=[
        Contact(email=r.parsed.from_address, name=r.parsed.from_name, language=r.language)
        for r in requests])
