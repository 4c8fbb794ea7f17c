"""Replay a scenario's steps (shared/scenarios format), each recorded at its own time.

The demo uses it to load history; tests use it to check a scenario end to end. Later
capabilities replace a step's handler in STEP_HANDLERS when they take that step over.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from opsdesk.accounts.models import Team, User
from opsdesk.accounts.services import find_or_create_requester
from opsdesk.tickets import escalations, stages, verification
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import escalations as escalation_workflow
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

DATA_DIR = Path(__file__).resolve().parent / "data"
HANDOFF_FIELDS = ("impact_summary", "findings", "hypothesis", "workaround_status", "ask",
                  "update_cadence_minutes")


def load_scenario(name: str) -> dict[str, Any]:
    """A scenario file shipped with opsdesk (a copy of the user's scenarios)."""
    data: dict[str, Any] = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


@dataclass
class Replay:
    """A scenario being replayed: its data, who acts, and the ticket once created."""

    scenario: dict[str, Any]
    agent: User
    ticket: Ticket | None = None
    log: list[str] = field(default_factory=list)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.scenario["timezone"])

    def at(self, hhmm: str) -> datetime:
        """A step's time: HH:MM local to the scenario, on the day it was received."""
        received = datetime.fromisoformat(self.scenario["ticket"]["received_at"])
        day = received.astimezone(self.zone).date()
        return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=self.zone)

    @property
    def requester(self) -> User:
        assert self.ticket is not None
        return self.ticket.requester


def create_from(data: dict[str, Any], *, agent: User, channel: str | None = None,
                at: datetime | None = None) -> Ticket:
    """Create a ticket `at` (now if None) from a scenario's ticket block, and tell everyone
    its class concerns right away, at that time (as the worker does once the ticket is
    committed)."""
    from opsdesk.communications.fanout import fan_out

    person = data["requester"]
    requester = find_or_create_requester(
        email=person["email"], name=person.get("name", ""),
        requester_role=person.get("role", ""), language=data.get("language", "en"), at=at,
    )
    team = Team.objects.filter(name__iexact=data["team"]).first() if data.get("team") else None
    ticket = ticket_workflow.open_ticket(actor=agent, at=at, draft=TicketDraft(
        requester=requester, title=data["title"], description=data.get("description", ""),
        channel=channel or data.get("channel", "api"), language=data.get("language", "en"),
        tags=data.get("tags", []), team=team, impact=Impact.from_api(data.get("impact")),
        workaround=data.get("workaround", ""),
        received_at=datetime.fromisoformat(data["received_at"]) if data.get("received_at")
        else None,
        cos=data.get("cos"), cos_reason="set in the source report" if data.get("cos") else ""))
    fan_out(ticket=ticket, actor=agent, at=at)
    return ticket


def _create(replay: Replay, step: dict[str, Any], at: datetime) -> None:
    replay.ticket = create_from(replay.scenario["ticket"], agent=replay.agent, at=at)
    ticket_workflow.update_ticket(ticket=replay.ticket, actor=replay.agent, assignee=replay.agent,
                                  at=at)


def _note(replay: Replay, step: dict[str, Any], at: datetime) -> None:
    assert replay.ticket is not None
    message_workflow.add_message(ticket=replay.ticket, actor=replay.agent, kind="note",
                                 body=step["body"], at=at)


def _reply(replay: Replay, step: dict[str, Any], at: datetime) -> None:
    from opsdesk.communications.rendering import render

    assert replay.ticket is not None
    key = step.get("template", "")
    if key == "ack" and replay.ticket.messages.filter(template="ack").exists():
        replay.log.append(f"{step['at']} ack: already sent automatically")
        return
    body = step.get("body") or render(key=key, ticket=replay.ticket, agent=replay.agent,
                                      at=at).body
    message_workflow.add_message(ticket=replay.ticket, actor=replay.agent, kind="reply", body=body,
                                 template=key, at=at)


def _customer_reply(replay: Replay, step: dict[str, Any], at: datetime) -> None:
    assert replay.ticket is not None
    message_workflow.add_message(ticket=replay.ticket, actor=replay.requester, kind="reply",
                                 body=step["body"], at=at)


def _stage(replay: Replay, step: dict[str, Any], at: datetime) -> None:
    assert replay.ticket is not None
    summary = stages.CloseSummary(
        root_cause=step.get("root_cause", ""), resolution=step.get("resolution", ""),
        lessons=step.get("lessons", ""), kb_suggestion=step.get("kb_suggestion", ""),
    )
    ticket_workflow.change_stage(ticket=replay.ticket, actor=replay.agent, to=step["stage"],
                                 waiting_reason=step.get("waiting_reason", ""), summary=summary,
                                 at=at)


def _escalate(replay: Replay, step: dict[str, Any], at: datetime) -> None:
    assert replay.ticket is not None
    team, _ = Team.objects.get_or_create(name=step["team"])
    handoff = escalations.Handoff(**{k: step[k] for k in HANDOFF_FIELDS})
    escalation_workflow.escalate(ticket=replay.ticket, actor=replay.agent, team=team,
                                 handoff=handoff, at=at)


def _escalation_response(replay: Replay, step: dict[str, Any], at: datetime) -> None:
    assert replay.ticket is not None
    escalation = replay.ticket.escalations.order_by("-created_at").first()
    assert escalation is not None, "escalation_response before any escalation"
    members = escalation.team.members.all()
    answerer = members.first() or replay.agent
    escalation_workflow.record_escalation_response(escalation=escalation, actor=answerer,
                                                   body=step["body"], at=at)


def _checks_done(replay: Replay, step: dict[str, Any], at: datetime) -> None:
    assert replay.ticket is not None
    verification.mark_groups_verified(ticket=replay.ticket, actor=replay.agent,
                                      groups=step["groups"], result="verified", at=at)


STEP_HANDLERS: dict[str, Callable[[Replay, dict[str, Any], datetime], None]] = {
    "create": _create,
    "note": _note,
    "reply": _reply,
    "customer_reply": _customer_reply,
    "stage": _stage,
    "escalate": _escalate,
    "escalation_response": _escalation_response,
    "checks_done": _checks_done,
}


def replay_steps(
    replay: Replay, *, until: str | None = None,
    every_minute: Callable[[datetime], object] | None = None,
) -> Replay:
    """Run the scenario's steps, each recorded at its time (up to `until`).

    `every_minute(now)` runs at each minute between steps, as a worker's timers would.
    """
    last: datetime | None = None
    for step in replay.scenario["steps"]:
        if until is not None and step["at"] > until:
            break
        at = replay.at(step["at"])
        while every_minute is not None and last is not None and last < at:
            last += timedelta(minutes=1)
            every_minute(last)
        STEP_HANDLERS[step["do"]](replay, step, at)
        last = at
    if replay.ticket is not None:
        replay.ticket.refresh_from_db()
    return replay
