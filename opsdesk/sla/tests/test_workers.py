"""Several workers at once (PostgreSQL): each due clock is warned and breached exactly once,
and a real `opsdesk worker` process fires a breach on its own."""

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from opsdesk.notifications.models import Notification
from opsdesk.sla.models import SlaClock, SlaEvent
from opsdesk.sla.timers import Fired, fire_due_timers
from opsdesk.tickets.services import Impact, TicketDraft
from opsdesk.workflows.tickets import open_ticket

TICKETS = 60
ROUNDS = 3
WORKERS = 2
EXPEDITE = Impact(affected_users=30)  # ack due 10 minutes after receipt, warned at 8


def _expedite_tickets(agent, requester, n, *, received_at=None):
    return [open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title=f"Exam submission down {i}", impact=EXPEDITE,
        received_at=received_at)) for i in range(n)]


def _run_concurrently(job, workers):
    """Run `job` in `workers` threads started together; each closes its own connection."""
    start = threading.Barrier(workers)
    results, failures = [], []

    def work():
        try:
            start.wait()
            results.append(job())
        except Exception as exc:  # reported below: a thread's exception is otherwise lost
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_data")
def test_two_workers_fire_each_due_timer_exactly_once(agent, requester):
    for _ in range(ROUNDS):
        _expedite_tickets(agent, requester, TICKETS)
        now = timezone.now()

        def job(now=now):
            # Each worker sweeps twice after the warnings are due, then twice after the breaches.
            sweeps = [fire_due_timers(now + timedelta(minutes=m)) for m in (9, 9, 11, 11)]
            return Fired(warned=sum(s.warned for s in sweeps),
                         breached=sum(s.breached for s in sweeps))

        fired = _run_concurrently(job, WORKERS)
        assert sum(f.warned for f in fired) == TICKETS
        assert sum(f.breached for f in fired) == TICKETS

    acks = SlaClock.objects.filter(target="ack")
    assert acks.count() == ROUNDS * TICKETS
    assert set(acks.values_list("status", flat=True)) == {"breached"}
    for kind in ("warned", "breached"):
        per_clock = SlaEvent.objects.filter(target="ack", kind=kind).values_list("clock_id",
                                                                                 flat=True)
        assert sorted(per_clock) == sorted(acks.values_list("pk", flat=True)), kind
    # One notification per breach: the only agent (there is no manager).
    assert Notification.objects.filter(kind="sla_breached").count() == ROUNDS * TICKETS


def _database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
# An overdue ticket nobody has acknowledged: its automatic ACK, queued at creation, would
# race the worker's timers to the clock (a late ACK records the breach itself).
@pytest.mark.usefixtures("shipped_data", "manual_timeline")
def test_the_worker_process_fires_a_due_breach_and_emails_it(agent, requester, tmp_path):
    [ticket] = _expedite_tickets(agent, requester, 1,
                                 received_at=timezone.now() - timedelta(minutes=11))
    ack = SlaClock.objects.get(ticket=ticket, target="ack")
    assert ack.status == "running" and ack.due_at < timezone.now()
    env = {**os.environ, "DATABASE_URL": _database_url(),
           "DJANGO_SETTINGS_MODULE": "opsdesk.settings", "OPSDESK_DEBUG": "0"}
    env.pop("OPSDESK_SMTP_HOST", None)  # the console backend: the email lands in the log
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "opsdesk.cli", "worker"], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and worker.poll() is None:
                ack.refresh_from_db()
                sent = Notification.objects.filter(ticket=ticket, email_status="sent")
                if ack.status == "breached" and sent.exists():
                    break
                time.sleep(0.5)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    output = log.read_text(errors="replace")
    assert ack.status == "breached", output
    assert SlaEvent.objects.filter(clock=ack, kind="breached").count() == 1
    assert ticket.messages.filter(event="sla_breached").count() == 1
    assert Notification.objects.filter(ticket=ticket, email_status="sent").exists(), output
    assert f"[{ticket.ref}] SLA breached" in output


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_data")
def test_a_worker_without_periodic_jobs_works_the_queue_and_leaves_the_timers(
        agent, requester, tmp_path):
    from opsdesk.communications.tasks import fan_out_new_ticket

    [ticket] = _expedite_tickets(agent, requester, 1,
                                 received_at=timezone.now() - timedelta(minutes=11))
    job = fan_out_new_ticket.enqueue(ticket_id=ticket.pk, actor_id=agent.pk)
    # The worker runs the jobs but sends no ACK, so the overdue clock shows whether its
    # timers ran.
    env = {**os.environ, "DATABASE_URL": _database_url(), "OPSDESK_AUTO_NOTIFY": "0",
           "DJANGO_SETTINGS_MODULE": "opsdesk.settings", "OPSDESK_DEBUG": "0"}
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "opsdesk.cli", "worker",
                                   "--no-periodic"], env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and job.status != "SUCCESSFUL":
                time.sleep(0.5)
                job.refresh()
            time.sleep(2)  # a scheduler would have swept the timers at start
        finally:
            worker.terminate()
            worker.wait(timeout=10)
    output = log.read_text(errors="replace")
    assert job.status == "SUCCESSFUL", output
    assert "task queue only" in output
    assert SlaClock.objects.get(ticket=ticket, target="ack").status == "running"  # overdue
    assert not ticket.messages.filter(event="sla_breached").exists(), output
