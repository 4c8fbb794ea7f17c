"""The replay writes a scenario's history at the scenario's own times, whatever the clock says."""

from opsdesk.demo.replay import Replay, load_scenario, replay_steps
from opsdesk.notifications.models import Notification
from opsdesk.sla.models import SlaEvent
from opsdesk.sla.timers import fire_due_timers


def test_everything_recorded_falls_between_the_first_and_the_last_step(agent, dev_team):
    scenario = load_scenario("expedite-exam-outage")
    replay = replay_steps(Replay(scenario, agent=agent), every_minute=fire_due_timers)
    ticket, steps = replay.ticket, scenario["steps"]
    escalation = ticket.escalations.get()
    stamps = [
        ticket.created_at, ticket.updated_at, ticket.resolved_at, ticket.closed_at,
        escalation.created_at, escalation.answered_at,
        *ticket.messages.values_list("created_at", flat=True),
        *ticket.checks.values_list("done_at", flat=True),
        *SlaEvent.objects.filter(ticket=ticket).values_list("at", flat=True),
        *Notification.objects.filter(ticket=ticket).values_list("created_at", flat=True),
    ]
    first, last = replay.at(steps[0]["at"]), replay.at(steps[-1]["at"])
    assert all(first <= stamp <= last for stamp in stamps)
    assert ticket.closed_at == last
