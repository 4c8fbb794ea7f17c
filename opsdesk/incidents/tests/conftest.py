"""Reports of one outage from many requesters, and the real SMTP server."""

from collections.abc import Callable
from email.header import decode_header, make_header
from typing import Any

import pytest

from opsdesk.accounts.models import Role, User
from opsdesk.accounts.services import create_user
from opsdesk.communications.tests.conftest import smtp  # noqa: F401  (a fixture)
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import tickets as ticket_workflow


@pytest.fixture
def report(agent: User) -> Callable[..., Ticket]:
    """Open a ticket from a new requester: `report(n, language="vi", group="WEB102", users=30)`."""
    def make(n: int, *, language: str = "en", title: str = "", group: str = "",
             users: int = 1) -> Ticket:
        person = create_user(email=f"student{n}@campus.example.edu.vn", role=Role.REQUESTER,
                             name=f"Student {n}", password=None, language=language)
        impact = Impact(affected_users=users, groups=[(group, users)] if group else None)
        return ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
            requester=person, title=title or f"Report {n}", language=language, impact=impact))
    return make


@pytest.fixture
def mail_texts() -> Callable[[Any], list[str]]:
    """Every email's subject and body, decoded."""
    def texts(mailbox: Any) -> list[str]:
        out = []
        for message in mailbox.messages:
            parts = message.walk() if message.is_multipart() else [message]
            body = "".join(p.get_payload(decode=True).decode() for p in parts
                           if p.get_content_type() == "text/plain")
            subject = str(make_header(decode_header(message["Subject"])))
            out.append(f"{subject}\n{body}")
        return out
    return texts
