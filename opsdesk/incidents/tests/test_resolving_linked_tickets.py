"""Resolving an incident resolves its linked tickets a chunk at a time: each ticket's update
clock is met by the resolution (the reply that tells it starts no new period), and a chunk
costs the same statements whatever its size."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from opsdesk.communications.models import TemplateKey
from opsdesk.incidents.tasks import resolve_linked_tickets
from opsdesk.sla.models import SlaClock, SlaEvent
from opsdesk.tickets.models import MessageKind, Stage
from opsdesk.workflows import incidents as workflow


def _answered_incident(agent, report, run_tasks, capture, numbers):
    """An incident whose reports were linked and answered with its update (their ack met,
    an update period running)."""
    tickets = [report(n) for n in numbers]
    incident = workflow.open_incident(title=f"Exam submission fails ({numbers[0]})", actor=agent)
    with capture(execute=True):
        workflow.link_tickets(incident=incident, actor=agent, tickets=tickets)
    with capture(execute=True):
        run_tasks()
    return incident, tickets


def test_each_update_clock_is_met_by_the_resolution_and_no_new_period_starts(
        agent, report, run_tasks, smtp, django_capture_on_commit_callbacks):
    incident, tickets = _answered_incident(agent, report, run_tasks,
                                           django_capture_on_commit_callbacks, range(3))
    assert {c.status for c in SlaClock.objects.filter(ticket__in=tickets, target="update")} \
        == {"running"}
    smtp.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.resolve_incident(incident=incident, actor=agent, resolution="Fixed (RES).")
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    assert len(smtp.messages) == 3
    for ticket in tickets:
        ticket.refresh_from_db()
        update = SlaClock.objects.get(ticket=ticket, target="update")
        assert (ticket.stage, update.status, update.met_at) == (Stage.RESOLVED, "met",
                                                                ticket.resolved_at)
        assert SlaEvent.objects.filter(ticket=ticket, target="update",
                                       kind="started").count() == 1  # when first answered
        timeline = list(ticket.messages.order_by("created_at", "id").values_list(
            "event", "template"))
        assert timeline.index(("stage_changed", "")) < timeline.index(
            ("", TemplateKey.INCIDENT_RESOLUTION))
        assert ticket.messages.filter(kind=MessageKind.REPLY,
                                      template=TemplateKey.INCIDENT_RESOLUTION).count() == 1


def test_a_chunk_costs_the_same_statements_for_5_tickets_or_15(
        agent, report, run_tasks, django_capture_on_commit_callbacks):
    counts = []
    for numbers in (range(5), range(100, 115)):
        incident, _ = _answered_incident(agent, report, run_tasks,
                                         django_capture_on_commit_callbacks, numbers)
        workflow.resolve_incident(incident=incident, actor=agent, resolution="Fixed.")
        update = incident.updates.order_by("-id").first()
        with CaptureQueriesContext(connection) as queries:
            resolve_linked_tickets.call(update_id=update.pk, actor_id=agent.pk, notify=True)
        counts.append(len(queries))
    assert counts[1] <= counts[0] + 2, counts  # (the first reads the rules and policies)
