"""Outgoing email, on one SMTP session for all the emails of a worker's job, each recorded
as sent in the moment the mail server is told to accept it.

A fan-out job sends three emails a ticket and may hold dozens of tickets; a session of its
own for each (connect, STARTTLS, log in) would cost more than the emails. Outside a job
each email opens its own, as Django's email framework does.

An email sent with `record` goes out exactly once however often its job runs: the whole
message is handed to the server, then `record` commits that it is sent (refusing if an
earlier run did), and only then does the final "." tell the server to accept it. A worker
killed before that commit leaves the server an unfinished message, which it drops, and the
job run again sends it; killed after, the email is recorded and goes out with the "."
(only a kill between the commit and that one write would lose it; none sends it twice).
"""

import re
import smtplib
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

# Commits that an email is sent; False when an earlier run recorded it (then it is not sent).
Record = Callable[[], bool]


@dataclass
class _Session:
    backend: BaseEmailBackend | None = None
    unreachable: OSError | None = None  # the server could not be reached


_session: ContextVar[_Session | None] = ContextVar("opsdesk_mail_session", default=None)


@contextmanager
def one_session() -> Iterator[None]:
    """Send the emails of what runs inside on one session, opened at the first email and
    closed at the end; if the server cannot be reached, the others fail at once."""
    session = _Session()
    token = _session.set(session)
    try:
        yield
    finally:
        _session.reset(token)
        _close(session)


def send_email(email: EmailMessage, *, record: Record | None = None) -> bool:
    """Send one email now: on the current session if there is one (see `one_session`);
    with `record`, exactly once (see above). Returns False if `record` refused it."""
    session = _session.get()
    if session is None and record is None:
        email.send()
        return True
    if session is None:
        backend = get_connection()
        try:
            return _send(backend, email, record)
        finally:
            backend.close()
    if session.unreachable is not None:
        raise session.unreachable.with_traceback(None)
    if session.backend is None:
        backend = get_connection()
        try:
            backend.open()
        except OSError as exc:
            session.unreachable = exc
            raise
        session.backend = backend
    try:
        return _send(session.backend, email, record)
    except OSError:
        _close(session)  # the next email starts a new session
        raise


def _send(backend: BaseEmailBackend, email: EmailMessage, record: Record | None) -> bool:
    if record is not None and isinstance(backend, SmtpBackend):
        backend.open()
        return _send_recorded(backend, email, record)
    if record is not None and not record():
        return False  # a backend without a server (console, tests): recorded, then sent
    email.connection = backend
    email.send()
    return True


def _send_at_once(smtp: smtplib.SMTP) -> None:
    """Turn Nagle's algorithm off: the final "." is a small write right after the message,
    which the kernel would otherwise hold until the server acknowledges the message — 40 ms
    of delayed ACK on every email (bench/README.md, outage-burst)."""
    sock = getattr(smtp, "sock", None)
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _send_recorded(backend: SmtpBackend, email: EmailMessage, record: Record) -> bool:
    """smtplib's sendmail, with `record` run before the final "." of the message."""
    smtp = backend.connection
    assert smtp is not None
    _send_at_once(smtp)
    encoding = email.encoding or settings.DEFAULT_CHARSET
    sender = sanitize_address(email.from_email, encoding)
    recipients = [sanitize_address(address, encoding) for address in email.recipients()]
    if not recipients:
        return record()
    content = email.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
    smtp.ehlo_or_helo_if_needed()
    code, reply = smtp.mail(sender, [f"size={len(content)}"] if smtp.has_extn("size") else [])
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if len(refused) == len(recipients):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = smtp.docmd("data")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    try:
        data = re.sub(rb"(?m)^\.", b"..", content)  # a line's leading "." doubled (RFC 5321)
        smtp.send(data if data.endswith(b"\r\n") else data + b"\r\n")
        recorded = record()
    except BaseException:
        _hang_up(backend)
        raise
    if not recorded:
        _hang_up(backend)
        return False
    smtp.send(b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return True


def _hang_up(backend: SmtpBackend) -> None:
    """Drop the connection in the middle of a message, which the server then discards (a
    QUIT now would only be read as more of the message)."""
    smtp, backend.connection = backend.connection, None
    if smtp is not None:
        smtp.close()


def _close(session: _Session) -> None:
    """End the session; what the server answers to QUIT no longer matters."""
    backend, session.backend = session.backend, None
    if backend is not None:
        with suppress(OSError):
            backend.close()
