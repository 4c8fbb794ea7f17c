"""What a received email is: automatic mail to ignore, or which ticket thread it belongs to."""

import re
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings

from opsdesk.accounts.models import SYSTEM_EMAIL
from opsdesk.tickets.models import MailReference, Ticket

from .models import Outcome
from .parsing import ParsedEmail

SUBJECT_TAG = re.compile(r"\[#(\d{1,12})\]")
BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster"})
AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})


def automatic_outcome(parsed: ParsedEmail) -> str | None:
    """IGNORED_BOUNCE or IGNORED_AUTO_REPLY for mail no person wrote, else None."""
    headers = parsed.headers
    local_part = parsed.from_address.split("@", 1)[0]
    if parsed.content_type == "multipart/report" or local_part in BOUNCE_SENDERS:
        return Outcome.IGNORED_BOUNCE
    auto_submitted = _token(headers.get("auto-submitted", "no"))
    if (auto_submitted not in ("", "no")
            or _token(headers.get("precedence", "")) in AUTOMATIC_PRECEDENCE
            or "x-autoreply" in headers or "x-autorespond" in headers):
        return Outcome.IGNORED_AUTO_REPLY
    if parsed.return_path is not None and parsed.return_path.replace(" ", "") == "<>":
        return Outcome.IGNORED_BOUNCE  # an empty envelope sender: a delivery notice
    return None


def known_references(parsed: ParsedEmail) -> dict[str, MailReference]:
    """The mail references (one query) of this message's own Message-ID and those it cites."""
    headers = {parsed.message_id, *parsed.in_reply_to, *parsed.references}
    return {ref.header: ref for ref in MailReference.objects.filter(header__in=headers)
            .select_related("ticket", "escalation", "escalation__team")}


def is_own_mail(parsed: ParsedEmail, known: dict[str, MailReference]) -> bool:
    """Mail opsdesk sent itself (a copy or a loop): its own address or a Message-ID it sent."""
    own = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(), SYSTEM_EMAIL}
    sent = known.get(parsed.message_id)
    return parsed.from_address in own or (sent is not None and sent.outgoing)


@dataclass(frozen=True)
class Thread:
    """The ticket a reply belongs to, and the mail reference it was found by (if any)."""

    ticket: Ticket
    reference: MailReference | None = None


def find_thread(parsed: ParsedEmail, known: dict[str, MailReference]) -> Thread | None:
    """The ticket by In-Reply-To, then References (newest first), then the [#00042] tag."""
    for header in [*parsed.in_reply_to, *reversed(parsed.references)]:
        if header in known and header != parsed.message_id:
            return Thread(ticket=known[header].ticket, reference=known[header])
    match = SUBJECT_TAG.search(parsed.subject)
    if match:
        ticket = Ticket.objects.filter(pk=int(match.group(1))).first()
        if ticket is not None:
            return Thread(ticket=ticket)
    return None


def _token(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()
