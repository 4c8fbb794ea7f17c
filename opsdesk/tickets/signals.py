"""Ticket lifecycle signals, sent inside the service's transaction.

Other apps (SLA clocks, automation) react here, so tickets never import them.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from .models import Ticket


@dataclass(frozen=True)
class NewTicket:
    """A ticket just created, with the names of its tags and affected groups."""

    ticket: "Ticket"
    tags: list[str]
    groups: list[str]


# kwargs: created (a list of NewTicket, one or more, in creation order), actor
tickets_created = Signal()
# kwargs: ticket, actor, previous
stage_changed = Signal()
# kwargs: ticket, actor, previous
cos_changed = Signal()
# kwargs: added (a list of (ticket, message), one or more, in the order added), actor
message_added = Signal()
# kwargs: ticket, actor, escalation
escalated = Signal()
# kwargs: ticket, actor, escalation, response
escalation_answered = Signal()
# kwargs: ticket, clock (an SLA clock about to lapse; its warning was just recorded)
sla_warned = Signal()
