"""Ticket lifecycle signals, sent inside the service's transaction.

Other apps (SLA clocks, automation) react here, so tickets never import them.
"""

from django.dispatch import Signal

# kwargs: ticket, actor, tags (the names of its tags), groups (its affected groups' names)
ticket_created = Signal()
# kwargs: ticket, actor, previous
stage_changed = Signal()
# kwargs: ticket, actor, previous
cos_changed = Signal()
# kwargs: ticket, actor, message
message_added = Signal()
# kwargs: ticket, actor, escalation
escalated = Signal()
# kwargs: ticket, actor, escalation, response
escalation_answered = Signal()
# kwargs: ticket, clock (an SLA clock about to lapse; its warning was just recorded)
sla_warned = Signal()
