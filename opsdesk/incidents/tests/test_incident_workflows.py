"""An incident's life through its workflows: opened from a ticket, reports linked, one
update and one resolution answering every requester in their language."""

import pytest

from opsdesk.communications.models import TemplateKey
from opsdesk.incidents.models import FollowUp, IncidentEvent, IncidentStatus
from opsdesk.notifications.models import Notification
from opsdesk.tickets.models import Cos, MessageKind, Stage
from opsdesk.workflows import incidents as workflow


def test_an_incident_opened_from_a_ticket_links_it_and_keeps_its_reach(agent, report):
    ticket = report(1, group="WEB102-HN", users=12)
    incident = workflow.open_incident(title="Exam submission fails", actor=agent,
                                      from_ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.incident_id == incident.pk
    assert incident.affected_users == 12
    assert incident.detected_at == ticket.received_at
    assert [e.kind for e in IncidentEvent.objects.filter(incident=incident)][:2] == [
        "opened", "linked"]
    assert ticket.messages.filter(event="incident_linked").exists()


def test_reach_counts_each_group_once_and_a_priority_incident_past_25_users_is_expedite(
        agent, manager, dev_team, report):
    incident = workflow.open_incident(title="Exam submission fails", actor=agent,
                                      cos=Cos.PRIORITY)
    workflow.link_tickets(incident=incident, actor=agent, tickets=[
        report(1, group="WEB102-HN", users=15), report(2, group="web102-hn", users=15)])
    incident.refresh_from_db()
    assert (incident.affected_users, incident.cos) == (15, Cos.PRIORITY)  # one group, once
    assert not Notification.objects.filter(kind="manager_notice", ticket=None).exists()

    workflow.link_tickets(incident=incident, actor=agent,
                          tickets=[report(3, group="DATA101", users=11)])
    incident.refresh_from_db()
    assert (incident.affected_users, incident.cos) == (26, Cos.EXPEDITE)
    told = Notification.objects.filter(ticket=None, subject__contains=incident.ref)
    assert {n.recipient for n in told} >= {manager, *dev_team.members.all()}
    assert IncidentEvent.objects.filter(incident=incident, kind="cos_changed").exists()


def test_a_public_update_answers_every_linked_requester_in_their_language_a_note_nobody(
        agent, report, run_tasks, smtp, mail_texts, django_capture_on_commit_callbacks):
    tickets = [report(1), report(2, language="vi"), report(3)]
    incident = workflow.open_incident(title="Video lesson 3 does not play", actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.link_tickets(incident=incident, actor=agent, tickets=tickets)
        workflow.post_update(incident=incident, actor=agent, public=False,
                             body="INTERNAL: the CDN vendor blames our cache headers")
        update = workflow.post_update(
            incident=incident, actor=agent, status=IncidentStatus.IDENTIFIED,
            body="The video server is overloaded; we are adding capacity.",
            body_vi="Máy chủ video bị quá tải; chúng tôi đang bổ sung tài nguyên.")
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    texts = mail_texts(smtp)
    assert not any("INTERNAL" in t for t in texts)
    vi = [t for t in texts if "Máy chủ video bị quá tải" in t]
    en = [t for t in texts if "The video server is overloaded" in t]
    assert len(vi) == 1 and "student2@" not in vi[0] and len(en) == 2
    for ticket in tickets:
        assert ticket.messages.filter(kind=MessageKind.REPLY,
                                      template=TemplateKey.INCIDENT_UPDATE).count() >= 1
        assert not ticket.messages.filter(kind=MessageKind.NOTE).exists()
    update.refresh_from_db()
    assert update.requesters_told == 3
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IDENTIFIED and incident.identified_at


def test_resolving_answers_every_requester_and_resolves_their_tickets(
        agent, report, run_tasks, smtp, mail_texts, django_capture_on_commit_callbacks):
    tickets = [report(n, language="vi" if n % 3 == 0 else "en") for n in range(50)]
    incident = workflow.open_incident(title="Exam submission fails", actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.link_tickets(incident=incident, actor=agent, tickets=tickets)
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    smtp.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.post_update(incident=incident, actor=agent, public=False, body="NOTE-SECRET")
        workflow.resolve_incident(incident=incident, actor=agent,
                                  resolution="The submission service was restarted.",
                                  resolution_vi="Dịch vụ nộp bài đã được khởi động lại.")
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    texts = mail_texts(smtp)
    assert len(texts) == 50
    assert sum("Dịch vụ nộp bài đã được khởi động lại." in t for t in texts) == 17
    assert sum("The submission service was restarted." in t for t in texts) == 33
    assert not any("NOTE-SECRET" in t for t in texts)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.stage == Stage.RESOLVED
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED and incident.watch_until
    assert FollowUp.objects.filter(incident=incident).count() == 2


def test_a_resolved_incident_is_not_resolved_twice(agent):
    from opsdesk.core.errors import Conflict

    incident = workflow.open_incident(title="Grades missing", actor=agent)
    workflow.resolve_incident(incident=incident, actor=agent, resolution="Fixed.")
    with pytest.raises(Conflict):
        workflow.resolve_incident(incident=incident, actor=agent, resolution="Again.")
