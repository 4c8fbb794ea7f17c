"""Close-out: the closure message goes to the requester, then the rating request."""

from datetime import datetime

from opsdesk.accounts.services import system_user
from opsdesk.tickets.models import MessageKind, Ticket

from .models import TemplateKey
from .rendering import render


def send_close_out(*, ticket: Ticket, at: datetime | None = None) -> None:
    """Send the closure message unless an agent already did, then ask for a rating; `at`:
    when the ticket closed, now if None."""
    from opsdesk.workflows.messages import add_message

    since = ticket.resolved_at or ticket.created_at
    sent = set(ticket.messages.filter(kind=MessageKind.REPLY, created_at__gte=since)
               .values_list("template", flat=True))
    for key in (TemplateKey.CLOSURE, TemplateKey.RATING_REQUEST):
        if key not in sent:
            rendered = render(key=key, ticket=ticket, at=at)
            add_message(ticket=ticket, actor=system_user(), kind=MessageKind.REPLY,
                        body=rendered.body, template=key, subject=rendered.subject, at=at)
