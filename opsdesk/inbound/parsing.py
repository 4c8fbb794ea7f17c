"""Read an RFC 822 message into what opsdesk needs, whatever state it arrives in.

Nothing here raises on bad input: broken MIME, unknown charsets and malformed headers are
read as well as they can be (unknown bytes decode as UTF-8 or Latin-1), and anything that
cannot be read is simply left out. The original bytes are kept by the caller.
"""

import email
import email.policy
import hashlib
import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses

from .text import html_to_text

MSGID = re.compile(r"<[^<>\s]+>")
MAX_HEADER_ID = 255  # MailReference.header and InboundEmail.message_id


@dataclass(frozen=True)
class AttachedFile:
    filename: str
    content_type: str
    payload: bytes | None  # None when it was too large to keep
    size: int


@dataclass
class ParsedEmail:
    message_id: str
    has_message_id: bool
    from_address: str
    from_name: str
    subject: str
    text: str
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    attachments: list[AttachedFile] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain"
    return_path: str | None = None


def parse_email(raw: bytes, *, max_attachment_bytes: int) -> ParsedEmail:
    """Everything opsdesk reads from one message; never raises on malformed mail."""
    # The compat32 policy keeps headers as the raw strings decode_words reads: the default
    # policy parses each one into header objects first, four fifths of the time spent here.
    message = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.compat32)
    headers = {name.lower(): decode_words(value) for name, value in _raw_items(message)}
    ids = MSGID.findall(headers.get("message-id", ""))
    from_name, from_address = first_address(_raw_header(message, "from"))
    body_part = _body_part(message)
    parsed = ParsedEmail(
        message_id=normalise_id(ids[0]) if ids else hashed_id(raw),
        has_message_id=bool(ids),
        from_address=from_address,
        from_name=from_name,
        subject=clean_line(headers.get("subject", "")),
        text=_text_of(body_part) if body_part is not None else "",
        in_reply_to=[normalise_id(i) for i in MSGID.findall(headers.get("in-reply-to", ""))],
        references=[normalise_id(i) for i in MSGID.findall(headers.get("references", ""))],
        headers=headers,
        content_type=message.get_content_type(),
        return_path=headers["return-path"].strip() if "return-path" in headers else None,
    )
    parsed.attachments = [_attached(part, max_attachment_bytes)
                          for part in _attachment_parts(message, body_part)]
    return parsed


def hashed_id(raw: bytes) -> str:
    """A stable stand-in Message-ID for a message that has none."""
    return f"<{hashlib.sha256(raw).hexdigest()}@sha256.opsdesk.invalid>"


def normalise_id(message_id: str) -> str:
    """A Message-ID as stored: with <>, and hashed when too long for the index."""
    if len(message_id) <= MAX_HEADER_ID:
        return message_id
    digest = hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()
    return f"<{digest}@long-id.opsdesk.invalid>"


def clean_line(value: str, limit: int = 500) -> str:
    """One line of text: control characters (CR, LF, …) become spaces, runs collapse."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in value
    )
    return " ".join(cleaned.split())[:limit]


def first_address(value: str) -> tuple[str, str]:
    """The (display name, address) of the first mailbox in an address header."""
    for name, address in getaddresses([unescape(value)]):
        address = address.strip()
        if "@" in address:
            return clean_line(decode_words(name), 200), clean_line(address, 254).lower()
    return "", ""


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words; unknown charsets fall back to UTF-8, then Latin-1."""
    value = unescape(value)
    try:
        chunks = decode_header(value)
    except Exception:  # malformed encoded words: keep the text as it is
        return value
    with suppress(LookupError, UnicodeDecodeError):  # keeps the spaces around encoded words
        return str(make_header(chunks))
    return "".join(
        chunk if isinstance(chunk, str) else decode_bytes(chunk, charset)
        for chunk, charset in chunks
    )


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes as text in their declared charset, else UTF-8, else Latin-1 (never fails)."""
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def unescape(value: str) -> str:
    """Raw 8-bit header bytes (kept as surrogate escapes by `email`) decoded as text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"), None)


def _raw_items(message: Message) -> list[tuple[str, str]]:
    try:
        return [(name, str(value)) for name, value in message.raw_items()]
    except Exception:
        return []


def _raw_header(message: Message, name: str) -> str:
    for key, value in _raw_items(message):
        if key.lower() == name:
            return value
    return ""


def _body_part(message: Message) -> Message | None:
    """The part holding the text: plain text preferred, HTML converted otherwise."""
    part: Message | None = None
    with suppress(Exception):  # a broken structure: look for a text part by hand below
        if isinstance(message, EmailMessage):
            part = message.get_body(preferencelist=("plain", "html"))
    if part is not None:
        return part
    for part in _leaves(message):
        lost_parts = part.get_content_maintype() == "multipart"  # no boundary: text remains
        if (part.get_content_maintype() == "text" or lost_parts) and not _is_attachment(part):
            return part
    return None


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        text = decode_bytes(payload, part.get_content_charset())
    else:  # a multipart that lost its parts (no boundary): its text is the payload
        raw = part.get_payload()
        text = unescape(raw) if isinstance(raw, str) else ""
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _leaves(message: Message) -> list[Message]:
    """Non-multipart parts in order; an attached message counts as one part."""
    if not message.is_multipart() or message.get_content_maintype() == "message":
        return [message]
    parts: list[Message] = []
    payload = message.get_payload()
    for sub in payload if isinstance(payload, list) else []:
        if isinstance(sub, Message):
            parts.extend(_leaves(sub))
    return parts


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or part.get_filename() is not None


def _attachment_parts(message: Message, body_part: Message | None) -> list[Message]:
    if not message.is_multipart():
        return []
    return [
        part for part in _leaves(message)
        if part is not body_part and (
            _is_attachment(part) or part.get_content_maintype() not in ("text", "multipart")
        )
    ]


def _attached(part: Message, limit: int) -> AttachedFile:
    try:
        filename = part.get_filename() or ""
    except Exception:
        filename = ""
    content_type = part.get_content_type()
    if part.get_content_maintype() == "message":
        payload = _message_bytes(part)
        filename = filename or "message.eml"
    else:
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
    size = len(payload)
    return AttachedFile(
        filename=clean_line(decode_words(filename), 255) or "attachment",
        content_type=content_type[:100],
        payload=payload if size <= limit else None,
        size=size,
    )


def _message_bytes(part: Message) -> bytes:
    """The attached message(s) of a message/* part, as bytes."""
    inner = part.get_payload()
    messages = inner if isinstance(inner, list) else [inner]
    try:
        return b"".join(m.as_bytes() for m in messages if isinstance(m, Message))
    except Exception:  # a message the generator cannot write back: keep what it can
        return b""
