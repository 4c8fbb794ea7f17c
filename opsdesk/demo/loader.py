"""Demo people, teams and tickets, from the scenarios opsdesk ships."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import Role, Team, User
from opsdesk.accounts.services import create_token, create_user
from opsdesk.notifications.models import Channel
from opsdesk.tickets import stages
from opsdesk.tickets.models import Ticket
from opsdesk.workflows import incidents as incident_workflow
from opsdesk.workflows import tickets as ticket_workflow

from .incidents import load_components, load_past_outage, open_alerted_outage
from .replay import Replay, create_from, load_scenario, replay_steps

PEOPLE = (
    ("lan.nguyen@support.example.edu.vn", "Nguyen Ngoc Lan", Role.AGENT, "Support"),
    ("bao.tran@support.example.edu.vn", "Tran Quoc Bao", Role.MANAGER, "Support"),
    ("anh.pham@dev.example.edu.vn", "Pham Duc Anh", Role.ENGINEER, "Dev Team"),
    ("admin@support.example.edu.vn", "opsdesk admin", Role.ADMIN, ""),
)


@dataclass(frozen=True)
class DemoAccess:
    password: str
    agent_token: str
    loaded: bool


def ensure_people(password: str) -> User:
    """The demo's staff and teams; every password is (re)set to `password`. Returns the agent."""
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in ("Support", "Dev Team")}
    for email, name, role, team in PEOPLE:
        user = User.objects.filter(email=email).first() or create_user(
            email=email, role=role, name=name
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        if team:
            teams[team].members.add(user)
    _chat_channels(teams["Dev Team"])
    return User.objects.get(email=PEOPLE[0][0])


FAKE_CHAT = "http://127.0.0.1:8099"  # `opsdesk demo` runs the local stand-in for chat there


def _chat_channels(team: Team) -> None:
    """Teams, Slack and a signed webhook for the Dev Team, all on the local stand-in."""
    for kind in ("teams", "slack", "webhook"):
        Channel.objects.get_or_create(team=team, kind=kind, defaults={
            "name": f"Dev Team {kind} (demo)", "target": f"{FAKE_CHAT}/{kind}"})


def _load_history(agent: User) -> None:
    """The priority scenario replayed at its own times, and the week-4 tickets closed."""
    replay_steps(Replay(load_scenario("priority-performance"), agent=agent))
    week = load_scenario("week4-tickets")
    for data in week["tickets"]:
        received_at = datetime.fromisoformat(data["received_at"])
        ticket = create_from({**data, "channel": "email"}, agent=agent, at=received_at)
        ticket_workflow.update_ticket(ticket=ticket, actor=agent, assignee=agent, at=received_at)
        _close_at(ticket, agent, datetime.fromisoformat(data["closed_at"]), data)


def _close_at(ticket: Ticket, agent: User, closed_at: datetime, data: dict[str, Any]) -> None:
    summary = stages.CloseSummary(
        root_cause=data.get("root_cause", "Recorded in the week 4 report"),
        resolution=data.get("resolution", "Handled by support; see the timeline"),
    )
    for stage, at in (("resolved", closed_at - timedelta(minutes=1)), ("closed", closed_at)):
        ticket_workflow.change_stage(ticket=ticket, actor=agent, to=stage, summary=summary,
                                     waive_verification="verified before opsdesk (week 4 report)",
                                     at=at)
    Ticket.objects.filter(pk=ticket.pk).update(time_spent_minutes=data.get("time_spent_minutes", 0))


def _load_live(agent: User) -> None:
    """Happening now: monitoring alerts an exam outage (an incident); the Expedite ticket
    reporting it, linked by the agent; more reports of it, linked as they arrive and
    answered with its update; and the login-recovery requests."""
    now = timezone.now()
    incident = open_alerted_outage(agent=agent, at=now - timedelta(minutes=4))
    expedite = load_scenario("expedite-exam-outage")["ticket"]
    first = create_from({**expedite, "received_at": (now - timedelta(minutes=1)).isoformat()},
                        agent=agent)
    incident_workflow.link_tickets(incident=incident, tickets=[first], actor=agent)
    for data in load_scenario("outage-reports")["tickets"]:
        create_from({**data, "channel": "email", "received_at": now.isoformat()}, agent=agent)
    for data in load_scenario("login-recovery")["tickets"]:
        create_from({**data, "received_at": now.isoformat()}, agent=agent, channel="email")


def load_demo() -> DemoAccess:
    """Create the demo people (new passwords each run) and, once, the demo tickets."""
    password = secrets.token_urlsafe(9)
    with transaction.atomic():
        agent = ensure_people(password)
        loaded = not Ticket.objects.exists()
        if loaded:
            load_components()
            _load_history(agent)
            load_past_outage(agent=agent)
            _load_live(agent)
        _, token = create_token(user=agent, name="demo")
    return DemoAccess(password=password, agent_token=token, loaded=loaded)
