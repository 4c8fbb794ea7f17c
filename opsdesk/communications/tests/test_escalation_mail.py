"""An escalation reaches its team, by notification and by a threaded email."""

from opsdesk.communications.tests.conftest import body_of
from opsdesk.notifications.models import Notification
from opsdesk.tickets import escalations
from opsdesk.tickets.models import MailReference
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import escalations as escalation_workflow
from opsdesk.workflows import tickets as ticket_workflow

HANDOFF = escalations.Handoff(
    impact_summary="50+ students blocked in final exams", findings="DB timeouts since 15:00",
    hypothesis="connection pool after a deployment", workaround_status="email submission",
    ask="urgent fix", update_cadence_minutes=10)


def test_an_escalation_is_emailed_to_the_team_and_its_thread_is_remembered(
        agent, requester, dev_team, smtp, run_tasks, django_capture_on_commit_callbacks):
    dev_team.email = "dev-team@dev.example.edu.vn"
    dev_team.save()
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail"))
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalation_workflow.escalate(ticket=ticket, actor=agent, team=dev_team,
                                          handoff=HANDOFF)
    run_tasks()
    [mail] = [m for r, m in smtp.received if r == ["dev-team@dev.example.edu.vn"]]
    assert f"[{ticket.ref}] Escalation (Standard): Exams fail" == mail["Subject"]
    body = body_of(mail)
    assert "Ask: urgent fix" in body and "every 10 minutes" in body
    assert MailReference.objects.get(header=mail["Message-ID"]).escalation == escalation
    member = dev_team.members.get()
    assert Notification.objects.filter(recipient=member, kind="escalation").exists()


def test_an_escalation_without_all_fields_is_refused_and_nothing_is_sent(api, agent, requester,
                                                                        dev_team):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail"))
    response = api.as_(agent).post(f"/api/v1/tickets/{ticket.pk}/escalations", {
        "team": "Dev Team", "impact_summary": "", "findings": "x", "hypothesis": "x",
        "workaround_status": "x", "ask": "x", "update_cadence_minutes": 10})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"impact_summary": "required"}
    assert not ticket.escalations.exists()
    assert not Notification.objects.exists()


def test_an_escalation_email_a_killed_worker_left_claimed_is_sent_once_later(
        agent, requester, dev_team, smtp, run_tasks, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from opsdesk.core.leases import requeue_abandoned_jobs
    from opsdesk.core.tests.jobs_support import claimed_by_worker

    dev_team.email = "dev-team@dev.example.edu.vn"
    dev_team.save()
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail"))
    with django_capture_on_commit_callbacks(execute=True):
        escalation_workflow.escalate(ticket=ticket, actor=agent, team=dev_team, handoff=HANDOFF)
    job = DBTaskResult.objects.get(task_path__endswith="send_escalation_email")
    claimed_by_worker(job.pk, alive=False)

    assert requeue_abandoned_jobs() == 1
    run_tasks()
    DBTaskResult.objects.filter(pk=job.pk).update(status="READY")  # and once more
    run_tasks()

    assert [r for r, _ in smtp.received].count(["dev-team@dev.example.edu.vn"]) == 1
    assert DBTaskResult.objects.get(pk=job.pk).return_value == "sent already"
