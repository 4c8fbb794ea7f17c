"""The scenarios replayed step by step give the timings the field reports measured."""

import pytest

from opsdesk.demo.replay import Replay, load_scenario, replay_steps
from opsdesk.tickets.timeline import phases


@pytest.fixture
def dev_team_member(dev_team):
    return dev_team.members.get()


@pytest.mark.parametrize("name", ["expedite-exam-outage", "priority-performance"])
# The reported timings start with the agent's hand-written ACK (minutes after receipt),
# which the replay writes itself; the automatic ACK would go out at creation.
@pytest.mark.usefixtures("manual_timeline")
def test_replay_gives_the_reported_phase_timings(name, agent, dev_team_member):
    scenario = load_scenario(name)
    ticket = replay_steps(Replay(scenario, agent=agent)).ticket
    expect = scenario["expect"]
    assert ticket.cos == expect["cos"]
    assert ticket.priority == expect["priority"]
    assert phases(ticket) == expect["phases_minutes"]
    minutes = (ticket.resolved_at - ticket.received_at).total_seconds() / 60
    assert minutes == expect["received_to_resolved_minutes"]
    assert ticket.stage == "closed"


def test_escalation_answer_comes_from_the_escalation_team(agent, dev_team_member):
    ticket = replay_steps(Replay(load_scenario("expedite-exam-outage"), agent=agent)).ticket
    escalation = ticket.escalations.get()
    assert escalation.team.name == "Dev Team"
    assert escalation.responses.get().author == dev_team_member
    assert escalation.status == "answered"
