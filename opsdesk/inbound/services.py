"""Email in: store each received message, then make it a ticket, a reply, or nothing."""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.accounts.services import find_or_create_requester, system_user
from opsdesk.tickets.models import (
    Escalation,
    EscalationStatus,
    MailReference,
    MessageKind,
    Stage,
    Ticket,
)
from opsdesk.tickets.services import TicketDraft, record_event
from opsdesk.workflows.escalations import record_escalation_response
from opsdesk.workflows.messages import add_message
from opsdesk.workflows.tickets import open_ticket

from .attachments import AttachmentStore
from .models import InboundEmail, Outcome
from .parsing import ParsedEmail, parse_email
from .recognise import (
    SUBJECT_TAG,
    Thread,
    automatic_outcome,
    find_thread,
    is_own_mail,
    known_references,
)
from .text import detect_language, trim_quoted

logger = logging.getLogger("opsdesk.inbound")

NO_SUBJECT = "(no subject)"
RESULT_FIELDS = ["outcome", "error", "ticket", "timeline_message"]  # raw is written once


class AlreadyIngested(Exception):
    """A failed mail being retried was handled meanwhile by another worker."""

    def __init__(self, inbound: InboundEmail) -> None:
        super().__init__(inbound.pk)
        self.inbound = inbound


def _number_setting(name: str, default: int) -> int:
    """A number from the settings (see opsdesk/settings.py), else the default."""
    return int(getattr(settings, name, default))


def max_attachment_bytes() -> int:
    """Attachments larger than this are not stored (OPSDESK_MAX_ATTACHMENT_BYTES)."""
    return _number_setting("OPSDESK_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)


def reopen_window() -> timedelta:
    """Mail to a ticket closed longer ago than this opens a follow-up ticket."""
    return timedelta(days=_number_setting("OPSDESK_REOPEN_WINDOW_DAYS", 7))


def ingest_email(
    *, raw: bytes, mailbox: str = "", received_at: datetime | None = None,
    parsed: ParsedEmail | None = None,
) -> InboundEmail:
    """Store one received email and act on it in one transaction; never loses the original.

    The same Message-ID twice returns an unsaved record with outcome `duplicate`. `parsed`
    is the message as `parse_email` read it, when the caller has read it already.
    """
    parsed = parsed or parse_email(raw, max_attachment_bytes=max_attachment_bytes())
    existing = InboundEmail.objects.defer("raw").filter(message_id=parsed.message_id).first()
    if existing is not None and existing.outcome != Outcome.FAILED:
        return _duplicate(existing)
    received_at = min(received_at or timezone.now(), timezone.now())
    store = AttachmentStore(limit=max_attachment_bytes())
    try:
        with transaction.atomic():
            inbound = _record(existing, raw=raw, parsed=parsed, mailbox=mailbox,
                              received_at=received_at)
            _act(inbound, parsed, store)
            inbound.save(update_fields=RESULT_FIELDS)
    except AlreadyIngested as done:
        return _duplicate(done.inbound)
    except Exception as exc:
        store.discard()
        again = InboundEmail.objects.defer("raw").filter(message_id=parsed.message_id).first()
        if isinstance(exc, IntegrityError) and again is not None and again != existing:
            return _duplicate(again)  # the same mail, ingested at the same moment elsewhere
        return _failed(again, raw=raw, parsed=parsed, mailbox=mailbox,
                       received_at=received_at, error=f"{type(exc).__name__}: {exc}")
    log_outcome(inbound)
    return inbound


def log_outcome(inbound: InboundEmail) -> None:
    logger.info("inbound email %s: %s (ticket %s)", inbound.pk, inbound.outcome,
                inbound.ticket_id)


def stored_original(*, raw: bytes, parsed: ParsedEmail, mailbox: str, received_at: datetime,
                    **result: Any) -> InboundEmail:
    """The record (unsaved) that keeps a received mail as it came, with `result` fields."""
    return InboundEmail(
        message_id=parsed.message_id, mailbox=mailbox[:100], raw=raw, size=len(raw),
        from_address=parsed.from_address, from_name=parsed.from_name,
        subject=parsed.subject, received_at=received_at, **result,
    )


def _record(existing: InboundEmail | None, *, raw: bytes, parsed: ParsedEmail, mailbox: str,
            received_at: datetime) -> InboundEmail:
    """The stored original, new or (when retrying a failed one) re-used and locked."""
    if existing is not None:
        inbound = InboundEmail.objects.defer("raw").select_for_update().get(pk=existing.pk)
        if inbound.outcome != Outcome.FAILED:
            raise AlreadyIngested(inbound)  # another worker retried it first
        inbound.outcome, inbound.error = Outcome.PENDING, ""
        return inbound
    inbound = stored_original(raw=raw, parsed=parsed, mailbox=mailbox, received_at=received_at)
    inbound.save()
    return inbound


def _duplicate(existing: InboundEmail) -> InboundEmail:
    logger.info("inbound email is a duplicate of %s", existing.pk)
    return InboundEmail(
        message_id=existing.message_id, mailbox=existing.mailbox, outcome=Outcome.DUPLICATE,
        from_address=existing.from_address, subject=existing.subject,
        ticket_id=existing.ticket_id, timeline_message_id=existing.timeline_message_id,
        error=f"Already received as inbound email {existing.pk}.",
    )


def _failed(existing: InboundEmail | None, *, raw: bytes, parsed: ParsedEmail, mailbox: str,
            received_at: datetime, error: str) -> InboundEmail:
    """Keep the original of a mail that could not be handled, with the reason."""
    with transaction.atomic():
        inbound = existing or stored_original(raw=raw, parsed=parsed, mailbox=mailbox,
                                              received_at=received_at)
        inbound.outcome, inbound.error = Outcome.FAILED, error
        inbound.ticket, inbound.timeline_message = None, None
        inbound.save(update_fields=RESULT_FIELDS if inbound.pk else None)
    logger.error("inbound email %s failed: %s", inbound.pk, error.split(":", 1)[0])
    return inbound


def _act(inbound: InboundEmail, parsed: ParsedEmail, store: AttachmentStore) -> None:
    """Decide what the mail is and do it; the outcome and links are set on `inbound`."""
    problem = sender_problem(parsed)
    if problem:
        inbound.outcome, inbound.error = Outcome.FAILED, problem
        logger.warning("inbound email %s refused: %s", inbound.pk, problem)
        return
    known = known_references(parsed)
    thread = find_thread(parsed, known)
    ignored = Outcome.IGNORED_LOOP if is_own_mail(parsed, known) else automatic_outcome(parsed)
    if ignored:
        inbound.outcome, inbound.ticket = ignored, thread.ticket if thread else None
        return
    if thread is not None:
        thread = _live_thread(thread)
    escalation = None
    if thread is None or _closed_long_ago(thread.ticket):
        _open_ticket(inbound, parsed, store, previous=thread.ticket if thread else None)
    else:
        sender = User.objects.filter(email__iexact=parsed.from_address).first()
        escalation = _add_to_thread(inbound, parsed, store, thread=thread, sender=sender)
    _register_message_id(inbound, parsed, escalation)


def sender_problem(parsed: ParsedEmail) -> str:
    """What makes the sender unusable (no address, an invalid one), or nothing."""
    if not parsed.from_address:
        return "The message has no sender address (From header missing or empty)."
    try:
        validate_email(parsed.from_address)
    except ValidationError:
        return "The sender address (From) is not a valid email address."
    return ""


def _closed_long_ago(ticket: Ticket) -> bool:
    closed_at = ticket.closed_at or ticket.updated_at
    return ticket.stage == Stage.CLOSED and closed_at < timezone.now() - reopen_window()


def _live_thread(thread: Thread) -> Thread:
    """A merged ticket's thread continues on the ticket it was merged into; a long-closed
    ticket's latest follow-up, when there is one, carries its thread on."""
    while (target := thread.ticket.merged_into) is not None:
        thread = Thread(ticket=target)
    if not _closed_long_ago(thread.ticket):
        return thread
    follow_up = thread.ticket.follow_ups.order_by("-id").first()
    if follow_up is not None and not _closed_long_ago(follow_up):
        return Thread(ticket=follow_up)
    return thread


def _open_ticket(inbound: InboundEmail, parsed: ParsedEmail, store: AttachmentStore, *,
                 previous: Ticket | None) -> None:
    """A new ticket from this mail; a follow-up of `previous` when that one is long closed."""
    body, language = request_text(parsed)
    requester = find_or_create_requester(email=parsed.from_address, name=parsed.from_name,
                                         language=language)
    actor = system_user()
    draft = request_draft(parsed, requester=requester, body=body, language=language,
                          received_at=inbound.received_at, previous=previous,
                          skipped=store.too_large(parsed.attachments))
    ticket = open_ticket(actor=actor, draft=draft)
    inbound.outcome = Outcome.TICKET_CREATED
    if previous is not None:
        _link_follow_up(ticket, previous, actor)
        inbound.outcome = Outcome.FOLLOW_UP_CREATED
    store.save(parsed.attachments, ticket=ticket, message=None, inbound_id=inbound.pk)
    inbound.ticket = ticket


def request_text(parsed: ParsedEmail) -> tuple[str, str]:
    """A request's body (quoted history trimmed) and its language."""
    body = trim_quoted(parsed.text, subject=parsed.subject)
    return body, detect_language(f"{parsed.subject}\n{body}")


def request_draft(parsed: ParsedEmail, *, requester: User, body: str, language: str,
                  received_at: datetime, previous: Ticket | None = None,
                  skipped: Sequence[str] = ()) -> TicketDraft:
    """The ticket a mail asks for (a follow-up of `previous`, its subject tag dropped)."""
    title = SUBJECT_TAG.sub("", parsed.subject) if previous else parsed.subject
    return TicketDraft(
        requester=requester, title=" ".join(title.split())[:300] or NO_SUBJECT,
        description=_with_notice(body, skipped), channel="email", language=language,
        received_at=received_at, follow_up_of=previous,
    )


def _link_follow_up(ticket: Ticket, previous: Ticket, actor: User) -> None:
    record_event(ticket=ticket, actor=actor, event="follow_up",
                 body=f"Follow-up of {previous.ref} (closed), received by email.",
                 data={"follow_up_of": previous.pk})
    record_event(ticket=previous, actor=actor, event="follow_up_opened",
                 body=f"A new email opened the follow-up ticket {ticket.ref}.",
                 data={"follow_up": ticket.pk})


def _add_to_thread(inbound: InboundEmail, parsed: ParsedEmail, store: AttachmentStore, *,
                   thread: Thread, sender: User | None) -> Escalation | None:
    """The requester's or a follower's reply, an escalation's answer, or an internal note."""
    ticket = thread.ticket
    body = _with_notice(trim_quoted(parsed.text, subject=parsed.subject),
                        store.too_large(parsed.attachments))
    body = body or ("(attachments only)" if parsed.attachments else "(empty message)")
    escalation = _escalation_answered(thread, sender)
    inbound.outcome = Outcome.THREADED
    if escalation is not None and sender is not None:
        record_escalation_response(escalation=escalation, actor=sender, body=body)
        message = ticket.messages.filter(event="escalation_answered").order_by("-id").first()
        inbound.outcome = Outcome.ESCALATION_ANSWERED
    elif sender is not None and _takes_part(ticket, sender):
        message = add_message(ticket=ticket, actor=sender, kind=MessageKind.REPLY, body=body)
    elif sender is not None and sender.is_desk_staff:
        message = add_message(ticket=ticket, actor=sender, kind=MessageKind.NOTE, body=body)
    else:  # someone who is not on the ticket: the desk sees it, the requester does not
        who = f"{parsed.from_name} <{parsed.from_address}>".strip()
        message = add_message(ticket=ticket, actor=system_user(), kind=MessageKind.NOTE,
                              body=f"Email from {who}, who is not on this ticket:\n\n{body}")
    store.save(parsed.attachments, ticket=ticket, message=message, inbound_id=inbound.pk)
    inbound.ticket, inbound.timeline_message = ticket, message
    return escalation


def _takes_part(ticket: Ticket, user: User) -> bool:
    """The requester and the followers reply; desk staff answering by email write notes
    (their mail has reached the requester already, and must not be sent twice)."""
    if user.pk == ticket.requester_id:
        return True
    return not user.is_desk_staff and ticket.followers.contains(user)


def _escalation_answered(thread: Thread, sender: User | None) -> Escalation | None:
    """The open escalation this mail answers: its thread, or the sender's team's latest."""
    if sender is None or not sender.is_desk_staff:
        return None
    escalations = Escalation.objects.filter(ticket=thread.ticket, team__members=sender).exclude(
        status=EscalationStatus.CLOSED).select_related("team", "ticket")
    reference = thread.reference
    if reference is not None:
        if reference.escalation_id is None:
            return None  # a reply in the requester's thread, not the escalation's
        escalations = escalations.filter(pk=reference.escalation_id)
    return escalations.order_by("-created_at", "-id").first()


def _register_message_id(inbound: InboundEmail, parsed: ParsedEmail,
                         escalation: Escalation | None) -> None:
    """Later replies to this mail thread onto the same ticket (and escalation)."""
    if inbound.ticket is None or not parsed.has_message_id:
        return
    MailReference.objects.create(
        header=parsed.message_id, ticket=inbound.ticket, outgoing=False,
        timeline_message=inbound.timeline_message,
        escalation=escalation,
    )


def _with_notice(body: str, skipped: Sequence[str]) -> str:
    if not skipped:
        return body
    return "\n\n".join([body, *skipped]).strip()


def outcome_is_success(inbound: InboundEmail) -> bool:
    """Whether a pipe delivering this mail should report success to the mail server."""
    return inbound.outcome != Outcome.FAILED

