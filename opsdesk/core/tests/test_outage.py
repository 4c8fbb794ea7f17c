"""The worker's loops live through a database outage: each says so once, backs off (1, 2,
4 … s, capped at 30) and carries on when the database answers; what a job could not finish
is run again. (`test_worker_survives.py` cuts a real worker off PostgreSQL.)"""

import logging
import threading

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from opsdesk.communications.tasks import send_reply_email
from opsdesk.core import jobs
from opsdesk.core.jobs import WakingWorker
from opsdesk.core.models import WorkerHeartbeat
from opsdesk.core.outage import BACKOFF_CAP, Outage

pytestmark = pytest.mark.django_db


def _said(caplog, text: str) -> int:
    return sum(text in record.getMessage() for record in caplog.records)


def test_the_back_off_doubles_up_to_its_cap_however_long_the_outage():
    outage = Outage("test")
    pauses = [outage.failed(OperationalError("down")) for _ in range(5000)]  # 42 hours
    assert pauses[:8] == [1, 2, 4, 8, 16, 30, 30, 30] and BACKOFF_CAP == 30
    assert set(pauses[5:]) == {30}


@pytest.mark.django_db(transaction=True)  # an outage closes the connection: no test transaction
def test_the_job_loop_says_an_outage_once_backs_off_and_carries_on(monkeypatch, caplog):
    worker = WakingWorker(interval=1, worker_id="w1")
    left_running = send_reply_email.enqueue(message_id=987654)
    DBTaskResult.objects.get(pk=left_running.id).claim("w1")  # its outcome never recorded
    failures = iter([True, True, True, False])
    pauses: list[float] = []

    def claim(**kwargs):
        if next(failures):
            raise OperationalError("connection refused")
        worker.running = False

    monkeypatch.setattr(worker, "_claim", claim)
    monkeypatch.setattr(jobs.time, "sleep", pauses.append)
    with caplog.at_level(logging.WARNING, "opsdesk.worker"):
        worker.run()

    assert pauses == [1, 2, 4]
    assert _said(caplog, "job loop: the database cannot be reached") == 1
    assert _said(caplog, "job loop: the database answers again") == 1
    assert DBTaskResult.objects.get(pk=left_running.id).status == "READY"


def test_a_job_that_failed_as_the_database_went_away_is_run_again_later(monkeypatch):
    from opsdesk.communications import tasks

    def gone(ids):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks, "_replies", gone)
    job = send_reply_email.enqueue(message_id=987654)
    worker = WakingWorker(interval=1, worker_id="w1")
    worker.run_task(worker._claim())
    row = DBTaskResult.objects.get(pk=job.id)
    assert row.status == "READY" and row.run_after > timezone.now()

    DBTaskResult.objects.filter(pk=job.id).update(run_after=timezone.now(),
                                                  worker_ids=["a", "b", "c", "d"])
    worker.run_task(worker._claim())  # its fifth run: a failure of its own, then
    assert DBTaskResult.objects.get(pk=job.id).status == "FAILED"


def test_a_job_failing_for_another_reason_stays_failed(monkeypatch):
    from opsdesk.communications import tasks

    def broken(ids):
        raise ValueError("a bug")

    monkeypatch.setattr(tasks, "_replies", broken)
    job = send_reply_email.enqueue(message_id=987654)
    worker = WakingWorker(interval=1, worker_id="w1")
    worker.run_task(worker._claim())
    assert DBTaskResult.objects.get(pk=job.id).status == "FAILED"


class _Stop(threading.Event):
    """A stop event that records the loop's pauses instead of waiting, and stops it after
    `rounds` of them."""

    def __init__(self, rounds: int) -> None:
        super().__init__()
        self.pauses: list[float] = []
        self.rounds = rounds

    def wait(self, timeout: float | None = None) -> bool:
        self.pauses.append(timeout or 0)
        if len(self.pauses) >= self.rounds:
            self.set()
        return self.is_set()


@pytest.mark.django_db(transaction=True)
def test_the_periodic_jobs_say_an_outage_once_and_run_again_when_it_ends(monkeypatch, caplog):
    from opsdesk import schedule
    from opsdesk.core import scheduler

    runs: list[bool] = []

    def sweep() -> None:
        runs.append(len(runs) >= 3)
        if not runs[-1]:
            raise OperationalError("connection refused")

    monkeypatch.setattr(schedule, "PERIODIC_JOBS", (scheduler.PeriodicJob("sweep", 60, sweep),))
    stop = _Stop(rounds=5)
    with caplog.at_level(logging.WARNING, "opsdesk.worker"):
        scheduler.run_forever(stop)

    assert runs == [False, False, False, True]  # due again at once after each pause
    assert stop.pauses == [1, 2, 4, 1, 1]
    assert _said(caplog, "periodic jobs: the database cannot be reached") == 1
    assert _said(caplog, "periodic jobs: the database answers again") == 1


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_outlives_an_outage_then_sweeps_and_says_when_it_stops(
        settings, monkeypatch, caplog):
    from opsdesk.core import leases

    settings.OPSDESK_WORKER_HEARTBEAT_SECONDS = 0.05
    settings.OPSDESK_JOB_LEASE_SECONDS = 0.2
    beats = iter([False, False])
    swept = threading.Event()
    real_beat = leases.beat

    def beat(worker_id: str):
        if next(beats, True):
            return real_beat(worker_id)
        raise OperationalError("connection refused")

    monkeypatch.setattr(leases, "beat", beat)
    monkeypatch.setattr(leases, "requeue_abandoned_jobs", lambda now: swept.set())
    heartbeat = leases.Heartbeat("w1")
    with caplog.at_level(logging.WARNING, "opsdesk.worker"):
        heartbeat.start()
        assert swept.wait(10)  # steady for a whole lease since the outage: it sweeps
        heartbeat.stop()

    row = WorkerHeartbeat.objects.get(pk="w1")
    assert row.stopped_at is not None
    assert _said(caplog, "heartbeat: the database cannot be reached") == 1
    assert _said(caplog, "heartbeat: the database answers again") == 1
