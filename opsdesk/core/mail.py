"""Outgoing email, on one SMTP session for all the emails of a worker's job.

A fan-out job sends three emails a ticket and may hold dozens of tickets; a session of its
own for each (connect, STARTTLS, log in) would cost more than the emails. Outside a job
each email opens its own, as Django's email framework does.
"""

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend


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


def send_email(email: EmailMessage) -> None:
    """Send one email now: on the current session if there is one (see `one_session`)."""
    session = _session.get()
    if session is None:
        email.send()
        return
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
    email.connection = session.backend
    try:
        email.send()
    except OSError:
        _close(session)  # the next email starts a new session
        raise


def _close(session: _Session) -> None:
    """End the session; what the server answers to QUIT no longer matters."""
    backend, session.backend = session.backend, None
    if backend is not None:
        with suppress(OSError):
            backend.close()
