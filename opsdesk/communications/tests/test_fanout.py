"""Classification tells everyone concerned in one step (scenario expect blocks): the
worker's job, queued when the ticket is committed."""

import pytest
from django_tasks_db.models import DBTaskResult

from opsdesk.demo.replay import load_scenario
from opsdesk.notifications.models import Notification
from opsdesk.tickets.models import Message
from opsdesk.tickets.services import Impact, TicketDraft
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow


@pytest.fixture
def create_scenario(api, run_tasks, django_capture_on_commit_callbacks):
    """POST a scenario's ticket, then run the jobs its commit queued (as the worker does)."""
    def create(agent, name):
        data = {k: v for k, v in load_scenario(name)["ticket"].items() if k != "received_at"}
        with django_capture_on_commit_callbacks(execute=True):
            response = api.as_(agent).post("/api/v1/tickets", data)
        assert response.status_code == 201, response.json()
        run_tasks()
        return api.as_(agent).get(f"/api/v1/tickets/{response.json()['id']}").json()
    return create


def test_creating_the_ticket_only_queues_the_fan_out(api, agent, manager, dev_team,
                                                    django_capture_on_commit_callbacks):
    data = {k: v for k, v in load_scenario("expedite-exam-outage")["ticket"].items()
            if k != "received_at"}
    with django_capture_on_commit_callbacks(execute=True):
        ticket = api.as_(agent).post("/api/v1/tickets", data).json()
    assert [r.task_path.rsplit(".", 1)[1] for r in DBTaskResult.objects.all()] == [
        "fan_out_new_tickets"]
    assert not Notification.objects.exists()
    assert next(c for c in ticket["sla"] if c["target"] == "ack")["status"] == "running"


def test_the_fan_out_job_tells_no_one_twice(agent, requester, manager, dev_team):
    from opsdesk.communications.tasks import fan_out_new_tickets

    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail", impact=Impact(affected_users=60, blocking=True)))
    first = fan_out_new_tickets.call(ticket_ids=[ticket.pk], actor_id=agent.pk)
    again = fan_out_new_tickets.call(ticket_ids=[ticket.pk], actor_id=agent.pk)
    assert "manager" in first and again == "nobody"
    assert ticket.messages.filter(template="ack").count() == 1
    assert Notification.objects.filter(recipient=manager, kind="manager_notice").count() == 1


def test_a_fan_out_job_queued_by_an_earlier_version_still_runs(agent, requester, manager):
    from opsdesk.communications.tasks import fan_out_new_ticket

    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail", impact=Impact(affected_users=60, blocking=True)))
    assert "manager" in fan_out_new_ticket.call(ticket_id=ticket.pk, actor_id=agent.pk)
    assert ticket.messages.filter(template="ack").count() == 1


def test_a_ticket_finished_before_the_job_runs_is_not_acknowledged(agent, requester):
    from opsdesk.communications.tasks import fan_out_new_tickets
    from opsdesk.tickets import stages

    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail", impact=Impact(affected_users=60, blocking=True)))
    ticket_workflow.change_stage(ticket=ticket, actor=agent, to="cancelled",
                        summary=stages.CloseSummary(root_cause="", resolution="sent twice"))
    assert fan_out_new_tickets.call(ticket_ids=[ticket.pk], actor_id=agent.pk) == "skipped"
    assert not ticket.messages.filter(kind="reply").exists()


def test_an_expedite_ticket_tells_requester_manager_and_dev_team_at_once(
        api, agent, manager, dev_team, create_scenario):
    scenario = load_scenario("expedite-exam-outage")
    ticket = create_scenario(agent, "expedite-exam-outage")
    timeline = api.as_(agent).get(f"/api/v1/tickets/{ticket['id']}/timeline").json()["items"]
    [fanout] = [e for e in timeline if e["event"] == "fanout"]
    assert fanout["data"]["notified"] == scenario["expect"]["notified_at_classification"]
    [ack] = [e for e in timeline if e["kind"] == "reply"]
    assert scenario["ticket"]["workaround"] in ack["body"]
    assert "Expedite" in ack["body"]
    assert Notification.objects.filter(recipient=manager, kind="manager_notice").count() == 1
    member = dev_team.members.get()
    assert Notification.objects.filter(recipient=member, kind="dev_alert").count() == 1
    ack_clock = next(c for c in ticket["sla"] if c["target"] == "ack")
    assert ack_clock["status"] == "met"


def test_a_priority_ticket_in_vietnamese_gets_the_vietnamese_ack(api, agent, manager,
                                                                create_scenario):
    ticket = create_scenario(agent, "priority-performance")
    [ack] = [m for m in api.as_(agent).get(f"/api/v1/tickets/{ticket['id']}/messages")
             .json()["items"] if m["kind"] == "reply"]
    assert ack["body"].startswith("Chào Nguyen Thi Ha,")
    assert "xếp mức Ưu tiên" in ack["body"] and "Trân trọng" in ack["body"]
    assert not Notification.objects.filter(recipient=manager).exists()


def test_a_ticket_reclassified_to_expedite_fans_out_once(agent, requester, manager):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Slow quiz", impact=Impact(affected_users=10)))
    for users in (40, 10, 40):
        ticket_workflow.update_ticket(
            ticket=ticket, actor=agent, impact=Impact(affected_users=users))
    assert ticket.messages.filter(template="ack").count() == 1
    assert Notification.objects.filter(recipient=manager, kind="manager_notice").count() == 1


def test_nothing_is_sent_automatically_when_switched_off(settings, agent, requester, manager):
    settings.OPSDESK_AUTO_NOTIFY = False
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail", impact=Impact(affected_users=60)))
    assert not ticket.messages.filter(kind="reply").exists()
    assert not Notification.objects.exists()


def test_the_dev_alert_reaches_the_teams_own_channels(api, agent, dev_team, create_scenario):
    from opsdesk.notifications.models import Channel, ChannelDelivery

    Channel.objects.create(team=dev_team, name="Dev Team chat", kind="teams",
                           target="http://127.0.0.1:9/teams")
    create_scenario(agent, "expedite-exam-outage")
    delivery = ChannelDelivery.objects.get(kind="dev_alert")
    assert delivery.channel.team == dev_team
    assert delivery.title.endswith("Expedite alert: LMS Critical Bug - Exam Submission System "
                                   "Down (50+ users affected)")


def test_the_ack_email_has_the_subject_rendered_with_its_body(agent, requester, smtp,
                                                            run_tasks,
                                                            django_capture_on_commit_callbacks):
    """Read from the reply, not rendered again when it is sent: a template edited in
    between changes neither the body nor the subject of what was written."""
    from opsdesk.communications.models import MessageTemplate

    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
            requester=requester, title="Exams fail",
            impact=Impact(affected_users=60, blocking=True)))
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()  # the fan-out job writes the ACK and emails it within the job
    [mail] = [m for r, m in smtp.received if requester.email in r]
    ack = ticket.messages.get(template="ack")
    sent_subject = " ".join(str(mail["Subject"]).split())  # unfolded
    assert sent_subject.endswith(ack.data["subject"]) and ticket.ref in sent_subject

    MessageTemplate.objects.filter(key="ack").update(subject="Edited {{ ref }}")
    from opsdesk.communications.outgoing import subject_for

    assert subject_for(ack) == sent_subject  # a retry sends the same subject


def test_tickets_told_together_each_get_what_their_own_state_calls_for(
        agent, requester, manager):
    """More tickets than one transaction takes, of two teams: each team's managers hear of
    their own tickets, an announced ticket is not told again, an answered one gets no ACK."""
    from opsdesk.accounts.models import Role, Team
    from opsdesk.accounts.services import create_user
    from opsdesk.communications.fanout import fan_out
    from opsdesk.communications.tasks import FAN_OUT_CHUNK, fan_out_new_tickets

    exams, video = Team.objects.create(name="Exams"), Team.objects.create(name="Video")
    exams_lead = create_user(email="exams.lead@support.example.edu.vn", role=Role.MANAGER)
    video_lead = create_user(email="video.lead@support.example.edu.vn", role=Role.MANAGER)
    exams.members.add(exams_lead)
    video.members.add(video_lead)
    tickets = [ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title=f"Exams fail {n}", team=exams if n % 2 else video,
        impact=Impact(affected_users=60, blocking=True)))
               for n in range(FAN_OUT_CHUNK + 3)]
    announced, answered = tickets[1], tickets[FAN_OUT_CHUNK + 1]
    fan_out(ticket=announced, actor=agent)
    message_workflow.add_message(ticket=answered, actor=agent, kind="reply", body="On it.")

    told = fan_out_new_tickets.call(ticket_ids=[t.pk for t in tickets], actor_id=agent.pk)

    per_ticket = told.split("; ")
    assert per_ticket[1] == "nobody"
    assert per_ticket[FAN_OUT_CHUNK + 1] == "manager, Dev Team"  # no ACK
    assert per_ticket[0] == per_ticket[FAN_OUT_CHUNK + 2] == "requester (ACK), manager, Dev Team"
    for ticket in tickets:
        lead = exams_lead if ticket.team == exams else video_lead
        assert ticket.messages.filter(template="ack").count() == (ticket != answered)
        assert ticket.messages.filter(event="fanout").count() == 1
        assert list(Notification.objects.filter(ticket=ticket).values_list(
            "recipient", flat=True)) == [lead.pk]
    assert not Notification.objects.filter(recipient=manager).exists()  # not a team's manager


def test_tickets_told_together_read_who_to_tell_once(agent, requester, manager, dev_team):
    """Ten tickets told in one job cost less than half the queries each of a job of one: the
    lock, the timelines and who to tell are read once for them all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opsdesk.communications.tasks import fan_out_new_tickets

    def new_tickets(count: int) -> list[int]:
        return [ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
            requester=requester, title=f"Exams {n}",
            impact=Impact(affected_users=60, blocking=True))).pk
                for n in range(count)]

    fan_out_new_tickets.call(ticket_ids=new_tickets(1), actor_id=agent.pk)  # caches warm
    with CaptureQueriesContext(connection) as alone:
        fan_out_new_tickets.call(ticket_ids=new_tickets(1), actor_id=agent.pk)
    ids = new_tickets(10)
    with CaptureQueriesContext(connection) as together:
        told = fan_out_new_tickets.call(ticket_ids=ids, actor_id=agent.pk)
    assert told.count("manager") == 10
    assert len(together) / 10 < len(alone) / 2


def test_tickets_told_together_have_their_acks_clocks_events_and_notices_written_together(
        agent, requester, manager, dev_team, smtp, django_capture_on_commit_callbacks):
    """A job of ten writes the ACKs, the managers' and the team's notifications and the
    fan-out events in as many statements as a job of one, and what the ACKs do to the SLA
    clocks ticket by ticket; each email's outcome (and a reply's Message-ID) is recorded as
    the mail server takes it."""
    import re
    from collections import Counter

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opsdesk.communications.tasks import fan_out_new_tickets
    from opsdesk.core.jobs import running_job
    from opsdesk.sla.models import SlaClock

    def writes(count: int) -> tuple[list[tuple[str, str]], Counter, Counter]:
        """The statements of the job; apart, its SLA writes and those recording each email
        as it goes."""
        ids = [ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
            requester=requester, title=f"Exams {n}",
            impact=Impact(affected_users=60, blocking=True))).pk
               for n in range(count)]
        emailed = len(smtp.received)
        with CaptureQueriesContext(connection) as queries, running_job(), \
                django_capture_on_commit_callbacks(execute=True):
            fan_out_new_tickets.call(ticket_ids=ids, actor_id=agent.pk)
        assert SlaClock.objects.filter(ticket__in=ids, target="ack", status="met").count() \
            == count
        assert Message.objects.filter(ticket__in=ids, delivery_status="sent").count() == count
        assert len(smtp.received) - emailed == 3 * count  # requester, manager, dev
        job, sla, each_email = [], Counter(), Counter()
        for q in queries:
            if m := re.match(r'(INSERT|UPDATE)\W.*?"(tickets_\w+|sla_\w+|notifications_\w+)"',
                             q["sql"]):
                if "mailreference" in m[2] or re.search(r'attempts" \+ 1', q["sql"]):
                    each_email[m.groups()] += 1  # a reply's or a notice's email recorded
                elif m[2].startswith("sla_"):
                    sla[m.groups()] += 1
                else:
                    job.append(m.groups())
        return sorted(job), sla, each_email

    writes(1)  # caches warm
    alone, sla_alone, emailed_alone = writes(1)
    assert ("INSERT", "notifications_notification") in alone
    together, sla_together, emailed_together = writes(10)
    assert together == alone
    assert sla_together == Counter({w: 10 * n for w, n in sla_alone.items()})
    assert emailed_alone == {("UPDATE", "tickets_message"): 1,
                             ("INSERT", "tickets_mailreference"): 1,
                             ("UPDATE", "notifications_notification"): 2}
    assert emailed_together == Counter({w: 10 * n for w, n in emailed_alone.items()})


def test_a_worker_runs_the_fan_out_jobs_ready_as_one(agent, requester, manager, dev_team):
    """Tickets created one request at a time queue a job each; a worker finding several
    ready runs those of one actor as one, told together, each job marked with its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opsdesk.communications.tasks import fan_out_new_tickets
    from opsdesk.core.jobs import WakingWorker

    ids = [ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title=f"Exams {n}",
        impact=Impact(affected_users=60, blocking=True))).pk for n in range(4)]
    jobs = [fan_out_new_tickets.enqueue(ticket_ids=[pk], actor_id=agent.pk) for pk in ids[:3]]
    by_another = fan_out_new_tickets.enqueue(ticket_ids=[ids[3]], actor_id=manager.pk)
    worker = WakingWorker(interval=1, worker_id="test")
    with CaptureQueriesContext(connection) as queries:
        worker.run_task(worker._claim())

    rows = {str(row.pk): row for row in DBTaskResult.objects.all()}
    assert [(rows[j.id].status, rows[j.id].return_value) for j in jobs] == \
        [("SUCCESSFUL", "requester (ACK), manager, Dev Team")] * 3
    assert rows[by_another.id].status == "READY"  # another actor's: its own run
    [read] = [q["sql"] for q in queries if q["sql"].startswith('SELECT "tickets_ticket"."id"')
              and '"tickets_ticket"."id" IN' in q["sql"]]  # the three read (locked) together
    assert all(str(pk) in read for pk in ids[:3]) and str(ids[3]) not in read.split(" IN ")[1]


def test_a_job_whose_worker_was_killed_is_queued_again_and_run(agent, requester, settings):
    """A worker killed (not told to stop) leaves the jobs it claimed running: once its lease
    has run out, the sweep readies them again, whatever their task (a fan-out tells no one
    twice), and leaves alone the jobs of a worker still alive."""
    from opsdesk.communications.tasks import fan_out_new_tickets, send_reply_email
    from opsdesk.core.jobs import WakingWorker
    from opsdesk.core.leases import requeue_abandoned_jobs
    from opsdesk.core.tests.jobs_support import claimed_by_worker

    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams", impact=Impact(affected_users=60, blocking=True)))
    killed = fan_out_new_tickets.enqueue(ticket_ids=[ticket.pk], actor_id=agent.pk)
    busy = fan_out_new_tickets.enqueue(ticket_ids=[987654], actor_id=agent.pk)
    other_task = send_reply_email.enqueue(message_id=987654)
    for job, alive in ((killed, False), (busy, True), (other_task, False)):
        claimed_by_worker(job.id, alive=alive)

    assert requeue_abandoned_jobs() == 2
    status = {str(row.pk): row.status for row in DBTaskResult.objects.all()}
    assert [status[j.id] for j in (killed, busy, other_task)] == ["READY", "RUNNING",
                                                                   "READY"]
    worker = WakingWorker(interval=1, worker_id="test")
    worker.run_task(worker._claim())
    worker.run_task(worker._claim())
    assert DBTaskResult.objects.get(pk=killed.id).status == "SUCCESSFUL"
    assert Message.objects.filter(ticket=ticket, template="ack").count() == 1
    assert requeue_abandoned_jobs() == 0


def test_joined_fan_out_jobs_that_fail_together_are_run_alone_so_only_the_faulty_fails(
        agent, requester, manager, monkeypatch):
    from opsdesk.communications import tasks
    from opsdesk.communications.tasks import fan_out_new_tickets
    from opsdesk.core.jobs import WakingWorker

    ids = [ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title=f"Exams {n}",
        impact=Impact(affected_users=60, blocking=True))).pk for n in range(3)]
    tell = tasks._fan_out_new

    def broken_for_the_second(ticket_ids, actor):
        if ids[1] in ticket_ids:
            raise RuntimeError("template engine exploded")
        return tell(ticket_ids, actor)

    monkeypatch.setattr(tasks, "_fan_out_new", broken_for_the_second)
    jobs = [fan_out_new_tickets.enqueue(ticket_ids=[pk], actor_id=agent.pk) for pk in ids]
    worker = WakingWorker(interval=1, worker_id="test")
    worker.run_task(worker._claim())

    rows = {str(row.pk): row for row in DBTaskResult.objects.all()}
    assert [rows[job.id].status for job in jobs] == ["SUCCESSFUL", "FAILED", "SUCCESSFUL"]
    assert Message.objects.filter(ticket_id__in=[ids[0], ids[2]], template="ack").count() == 2
