"""The field reports' tickets, replayed minute by minute with the timers running, keep
every SLA the reports say they kept, with the due times the reports used."""

from zoneinfo import ZoneInfo

import pytest

from opsdesk.demo.replay import Replay, load_scenario, replay_steps
from opsdesk.sla.models import SlaClock, SlaEvent
from opsdesk.sla.timers import fire_due_timers

SCENARIOS = ["expedite-exam-outage", "priority-performance"]


@pytest.fixture
def replayed(request, agent, dev_team, manual_timeline):
    """The reports' own timeline: their hand-written ACK starts the update cadence they kept
    (the automatic ACK starts it earlier: communications/tests/test_scenarios.py)."""
    scenario = load_scenario(request.param)
    replay = replay_steps(Replay(scenario, agent=agent), every_minute=fire_due_timers)
    return scenario, replay.ticket


@pytest.mark.parametrize("replayed", SCENARIOS, indirect=True)
def test_due_times_are_the_ones_the_report_used(replayed):
    scenario, ticket = replayed
    zone = ZoneInfo(scenario["timezone"])
    clocks = {c.target: c for c in SlaClock.objects.filter(ticket=ticket)}
    for target, hhmm in scenario["expect"]["sla_due"].items():
        assert f"{clocks[target].due_at.astimezone(zone):%H:%M}" == hhmm, target


@pytest.mark.parametrize("replayed", SCENARIOS, indirect=True)
def test_every_clock_is_met_at_close(replayed):
    scenario, ticket = replayed
    statuses = {c.target: c.status for c in SlaClock.objects.filter(ticket=ticket)}
    assert statuses == scenario["expect"]["sla_status_at_close"]


@pytest.mark.parametrize("replayed", SCENARIOS, indirect=True)
def test_no_breach_fired_during_a_well_run_ticket(replayed):
    _, ticket = replayed
    assert not SlaEvent.objects.filter(ticket=ticket, kind="breached").exists()


@pytest.mark.parametrize("replayed", ["expedite-exam-outage"], indirect=True)
def test_update_warning_fired_at_80_percent_before_the_late_update(replayed):
    scenario, ticket = replayed
    # Updates went out at 15:22 and 15:31: the second came after 8 of its 10 minutes.
    warned = SlaEvent.objects.get(ticket=ticket, kind="warned")
    assert warned.target == "update"
    assert f"{warned.at.astimezone(ZoneInfo(scenario['timezone'])):%H:%M}" == "15:30"
    assert ticket.messages.filter(event="sla_warned").count() == 1
    assert ticket.notifications.filter(kind="sla_warned").exists()


@pytest.mark.parametrize("replayed", ["priority-performance"], indirect=True)
def test_update_clock_kept_running_while_waiting_on_the_dev_team(replayed):
    _, ticket = replayed
    kinds = SlaEvent.objects.filter(ticket=ticket, target="update").values_list("kind", flat=True)
    assert "paused" not in kinds
