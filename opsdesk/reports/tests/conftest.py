"""A week at the desk (ISO week 2026-W08, Asia/Ho_Chi_Minh), lived through the services.

Each planned ticket says when it came in (local time), its impact, tags, and when the
agent replied, resolved and closed it. Tests derive the figures they expect from this plan,
so a report that miscounts, mis-times or mis-zones a ticket fails.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from opsdesk.tickets import stages
from opsdesk.tickets.services import Impact, TicketDraft
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
WEEK = "2026-W08"
MONDAY, NEXT_MONDAY = date(2026, 2, 16), date(2026, 2, 23)
USERS = {"expedite": 30, "priority": 10, "standard": 1}


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=HCM)


@dataclass
class Planned:
    name: str
    cos: str
    received: datetime
    tags: tuple[str, ...] = ()
    team: bool = False
    reply_after: timedelta | None = None
    resolve_after: timedelta | None = None
    close_after: timedelta | None = None
    ack: str = "running"  # what the ack clock comes to: met, breached or running
    ticket: object = field(default=None, repr=False)

    @property
    def in_week(self) -> bool:
        return local(MONDAY, 0) <= self.received < local(NEXT_MONDAY, 0)

    @property
    def resolved_in_week(self) -> bool:
        if self.resolve_after is None:
            return False
        return local(MONDAY, 0) <= self.received + self.resolve_after < local(NEXT_MONDAY, 0)


def plan() -> list[Planned]:
    return [
        Planned("exam outage", "expedite", local(MONDAY, 9), ("exam", "login"), team=True,
                reply_after=timedelta(minutes=7), resolve_after=timedelta(hours=2),
                close_after=timedelta(hours=25), ack="met"),
        Planned("slow gradebook", "priority", local(MONDAY + timedelta(1), 10), ("exam",),
                team=True, reply_after=timedelta(minutes=30),
                resolve_after=timedelta(hours=5), ack="breached"),
        Planned("one login", "standard", local(MONDAY + timedelta(2), 14), ("login",),
                reply_after=timedelta(minutes=20), ack="met"),
        # Sunday 23:30 at the desk is 16:30 UTC: still this week.
        Planned("late sunday", "standard", local(MONDAY + timedelta(6), 23, 30)),
        # Monday 00:10 at the desk is still Sunday in UTC: next week, not this one.
        Planned("next monday", "standard", local(NEXT_MONDAY, 0, 10), ("login",),
                reply_after=timedelta(minutes=5), resolve_after=timedelta(minutes=30),
                ack="met"),
        # Opened the week before, resolved on Wednesday of this week.
        Planned("from last week", "standard", local(MONDAY - timedelta(1), 23, 50),
                reply_after=timedelta(hours=8, minutes=15),
                resolve_after=timedelta(days=2, hours=9, minutes=10), ack="met"),
    ]


def _events(planned: list[Planned]) -> list[tuple[datetime, str, Planned]]:
    events = []
    for p in planned:
        events.append((p.received, "create", p))
        for kind, after in (("reply", p.reply_after), ("resolve", p.resolve_after),
                            ("close", p.close_after)):
            if after is not None:
                events.append((p.received + after, kind, p))
    return sorted(events, key=lambda e: (e[0], ("create", "reply", "resolve", "close")
                                         .index(e[1])))


@pytest.fixture
def desk_week(agent, requester, dev_team):
    """Live through the planned tickets in time order; returns the plan with its tickets."""
    planned = plan()
    with time_machine.travel(planned[0].received, tick=False) as traveller:
        for at, kind, p in _events(planned):
            traveller.move_to(at)
            if kind == "create":
                p.ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
                    requester=requester, title=p.name, tags=p.tags,
                    team=dev_team if p.team else None, assignee=agent,
                    impact=Impact(affected_users=USERS[p.cos])))
                assert p.ticket.cos == p.cos
            elif kind == "reply":
                message_workflow.add_message(ticket=p.ticket, actor=agent, kind="reply",
                                     body="We are on it.")
            elif kind == "resolve":
                p.ticket = ticket_workflow.change_stage(ticket=p.ticket, actor=agent, to="resolved")
            else:
                p.ticket = ticket_workflow.change_stage(
                    ticket=p.ticket, actor=agent, to="closed",
                    summary=stages.CloseSummary(root_cause="load", resolution="scaled up"))
        traveller.move_to(local(NEXT_MONDAY + timedelta(1), 9))
        yield planned
