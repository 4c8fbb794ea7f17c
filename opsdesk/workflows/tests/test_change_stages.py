"""Moving many tickets at once (an incident's resolution) leaves each exactly as moving it
alone would: its stage and stamps, its SLA clocks and their events, its timeline and its
place in the duplicate index; and costs the same statements for 3 tickets or 9."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opsdesk.core.errors import DomainError
from opsdesk.duplicates.models import IndexedTerm
from opsdesk.sla.models import SlaClock, SlaEvent
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import MessageKind, Stage, Ticket
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows.messages import add_message
from opsdesk.workflows.tickets import change_stage, change_stages, open_ticket

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=3)


def _desk(agent, requester) -> list[Ticket]:
    """Tickets in different states: new and unanswered; answered and in progress; waiting
    on the requester (its update clock paused) with a group to verify; received days ago
    (its resolve clock late); expedite and answered."""
    def make(title: str, users: int = 1, groups=None, received=T0) -> Ticket:
        return open_ticket(actor=agent, at=received, draft=TicketDraft(
            requester=requester, title=title, received_at=received,
            description="Students press Submit on the WEB102 exam and get error 500.",
            impact=Impact(affected_users=users, groups=groups)))

    new = make("Exam submission fails for WEB102")
    answered = make("Cannot hand in the final exam")
    waiting = make("Exam submit button does nothing", groups=[("WEB102-HN", 12)])
    late = make("Exam answers lost after submit", received=T0 - timedelta(days=9))
    expedite = make("Nobody can submit the exam", users=30)
    for ticket in (answered, waiting, late, expedite):
        add_message(ticket=ticket, actor=agent, kind=MessageKind.REPLY,
                    body="We are looking into it.", at=T0 + timedelta(minutes=5))
    for ticket in (answered, waiting):
        change_stage(ticket=ticket, actor=agent, to=Stage.IN_PROGRESS,
                     at=T0 + timedelta(minutes=6))
    change_stage(ticket=waiting, actor=agent, to=Stage.WAITING, waiting_reason="customer",
                 at=T0 + timedelta(minutes=7))
    return [new, answered, waiting, late, expedite]


def _state(ticket: Ticket) -> dict[str, Any]:
    ticket.refresh_from_db()
    return {
        "ticket": (ticket.stage, ticket.waiting_reason, ticket.resolved_at, ticket.version,
                   ticket.updated_at),
        "clocks": sorted(SlaClock.objects.filter(ticket=ticket).values_list(
            "target", "status", "started_at", "due_at", "warn_at", "met_at", "breached_at",
            "paused_at", "remaining_seconds")),
        "clock events": list(SlaEvent.objects.filter(ticket=ticket).order_by("id").values_list(
            "target", "kind", "at", "due_at", "note")),
        "timeline": [(event, body.replace(ticket.ref, "#REF"), *rest) for event, body, *rest
                     in ticket.messages.filter(kind=MessageKind.EVENT).order_by(
                         "created_at", "id").values_list("event", "body", "data", "public",
                                                         "author_id", "created_at")],
        "indexed terms": IndexedTerm.objects.filter(ticket=ticket).count(),
    }


def test_moving_tickets_together_leaves_each_as_moving_it_alone_would(agent, requester):
    alone, together = _desk(agent, requester), _desk(agent, requester)
    assert all(_state(t)["indexed terms"] for t in alone + together)
    resolved_at = T0 + timedelta(minutes=30)
    for ticket in alone:
        change_stage(ticket=ticket, actor=agent, to=Stage.RESOLVED,
                     waive_verification="verified with INC-1", at=resolved_at)
    change_stages(tickets=together, actor=agent, to=Stage.RESOLVED,
                  waive_verification="verified with INC-1", at=resolved_at)
    resolved = [_state(t) for t in alone]
    assert [_state(t) for t in together] == resolved
    assert {s["ticket"][0] for s in resolved} == {Stage.RESOLVED}
    assert {s["indexed terms"] for s in resolved} == {0}
    assert sum(e[0] == "verification_waived" for s in resolved for e in s["timeline"]) == 1
    kinds = {(e[0], e[1]) for s in resolved for e in s["clock events"]}
    assert {("resolve", "met"), ("resolve", "breached"), ("update", "met")} <= kinds

    reopened_at = T0 + timedelta(hours=1)
    for ticket in alone:
        change_stage(ticket=ticket, actor=agent, to=Stage.IN_PROGRESS, at=reopened_at)
    change_stages(tickets=together, actor=agent, to=Stage.IN_PROGRESS, at=reopened_at)
    reopened = [_state(t) for t in alone]
    assert [_state(t) for t in together] == reopened
    assert all(s["indexed terms"] for s in reopened)
    assert ("resolve", "resumed") in {(e[0], e[1]) for s in reopened for e in s["clock events"]}


def test_if_one_ticket_cannot_move_none_does(agent, requester):
    tickets = _desk(agent, requester)
    change_stage(ticket=tickets[0], actor=agent, to=Stage.CANCELLED)
    before = [_state(t) for t in tickets]
    with pytest.raises(DomainError):
        change_stages(tickets=tickets, actor=agent, to=Stage.RESOLVED, waive_verification="ok")
    assert [_state(t) for t in tickets] == before


def test_resolving_needs_a_waiver_while_a_check_is_open(agent, requester):
    tickets = _desk(agent, requester)
    with pytest.raises(DomainError, match="Verify before resolving: 1 check"):
        change_stages(tickets=tickets, actor=agent, to=Stage.RESOLVED)
    assert not Ticket.objects.filter(stage=Stage.RESOLVED).exists()


def test_moving_tickets_together_costs_the_same_statements_for_three_or_nine(agent, requester):
    desks = [_desk(agent, requester) for _ in range(3)]
    counts = []
    for tickets in (desks[0][1:4], desks[1] + desks[2][:4]):
        with CaptureQueriesContext(connection) as queries:
            change_stages(tickets=tickets, actor=agent, to=Stage.RESOLVED,
                          waive_verification="verified with INC-1")
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 14, counts
