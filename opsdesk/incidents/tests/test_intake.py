"""Reports of an open incident are linked as they arrive and answered with its update."""

from opsdesk.communications.models import TemplateKey
from opsdesk.incidents.models import IncidentCandidate, IncidentEvent
from opsdesk.notifications.models import Notification
from opsdesk.tickets.models import MessageKind
from opsdesk.workflows import incidents as workflow

EXAM = "Exam submission fails with System error for WEB102-HN students"


def _outage(agent, report, **kwargs):
    first = report(1, title=EXAM, group="WEB102-HN", users=20)
    incident = workflow.open_incident(title="Exam submission down", actor=agent,
                                      from_ticket=first, **kwargs)
    workflow.post_update(incident=incident, actor=agent, notify=False,
                         body="Submissions fail; we are restarting the service.",
                         body_vi="Không nộp được bài; chúng tôi đang khởi động lại dịch vụ.")
    return incident


def test_a_report_of_the_outage_is_linked_and_answered_with_the_update_as_its_ack(
        agent, report, run_tasks, django_capture_on_commit_callbacks):
    incident = _outage(agent, report)
    with django_capture_on_commit_callbacks(execute=True):
        english = report(2, title="Cannot submit the exam, System error, WEB102-HN")
        vietnamese = report(3, language="vi", title="Khong nop duoc bai thi, bao loi he thong")
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    for ticket, text in ((english, "we are restarting the service"),
                         (vietnamese, "chúng tôi đang khởi động lại dịch vụ")):
        ticket.refresh_from_db()
        assert ticket.incident_id == incident.pk
        replies = list(ticket.messages.filter(kind=MessageKind.REPLY))
        assert [r.template for r in replies] == [TemplateKey.INCIDENT_UPDATE]  # no other ACK
        assert text in replies[0].body
        ack = next(c for c in ticket.sla_clocks.all() if c.target == "ack")
        assert ack.status == "met"


def test_an_unrelated_ticket_is_not_linked_and_gets_the_usual_ack(
        agent, report, run_tasks, django_capture_on_commit_callbacks):
    _outage(agent, report)
    with django_capture_on_commit_callbacks(execute=True):
        other = report(4, title="Please add my new course to the catalogue")
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    other.refresh_from_db()
    assert other.incident_id is None
    assert not IncidentCandidate.objects.filter(ticket=other).exists()
    assert [m.template for m in other.messages.filter(kind=MessageKind.REPLY)] == ["ack"]


def test_a_report_after_the_fix_is_flagged_to_the_owner_not_linked(agent, manager, report):
    incident = _outage(agent, report, owner=manager)
    workflow.resolve_incident(incident=incident, actor=agent, resolution="Restarted.")
    again = report(5, title="Exam submission fails again with System error WEB102-HN")
    again.refresh_from_db()
    assert again.incident_id is None
    assert IncidentCandidate.objects.filter(ticket=again, incident=incident).exists()
    assert IncidentEvent.objects.filter(incident=incident, kind="flagged").exists()
    assert Notification.objects.filter(recipient=manager, kind="incident_flag",
                                       ticket=again).exists()


def test_a_report_after_the_fix_reopens_it_when_so_configured(agent, report, settings):
    settings.OPSDESK_INCIDENT_REOPEN_ON_MATCH = True
    incident = _outage(agent, report)
    workflow.resolve_incident(incident=incident, actor=agent, resolution="Restarted.")
    again = report(6, title="Exam submission fails again with System error WEB102-HN")
    again.refresh_from_db()
    incident.refresh_from_db()
    assert again.incident_id == incident.pk and incident.status == "investigating"
    assert incident.resolved_at is None


def test_a_ticket_lists_the_incident_it_looks_like_among_its_candidates(api, agent, report):
    from opsdesk.incidents.models import IncidentCandidate

    incident = _outage(agent, report)
    ticket = report(7, title="Question about my timetable")
    IncidentCandidate.objects.create(ticket=ticket, incident=incident, score=0.4)
    shown = api.as_(agent).get(f"/api/v1/tickets/{ticket.pk}").json()
    assert shown["duplicate_candidates"][0] == {"ticket_id": None, "incident_id": incident.pk,
                                                "score": 0.4}
    listed = api.as_(agent).get("/api/v1/tickets", {"q": "timetable"}).json()["items"]
    assert listed[0]["duplicate_candidates"][0]["incident_id"] == incident.pk
