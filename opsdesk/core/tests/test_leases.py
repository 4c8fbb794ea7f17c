"""Leases: a claimed job is its worker's while the worker's heartbeat is fresh, and any
worker queues it again once that heartbeat is older than the lease; /healthz tells whether
a worker has been seen lately."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from opsdesk.communications.tasks import send_reply_email
from opsdesk.core.leases import (
    beat,
    requeue_abandoned_jobs,
    requeue_claim,
    stopped,
    workers_seen,
)
from opsdesk.core.models import WorkerHeartbeat
from opsdesk.core.tests.jobs_support import claimed_by_worker

pytestmark = pytest.mark.django_db


def _status(job) -> str:
    return DBTaskResult.objects.get(pk=job.id).status


def _last_seen(worker_id: str, seconds_ago: float) -> None:
    WorkerHeartbeat.objects.filter(pk=worker_id).update(
        last_seen_at=timezone.now() - timedelta(seconds=seconds_ago))


def test_a_job_stays_with_its_worker_while_the_worker_is_seen(settings):
    settings.OPSDESK_JOB_LEASE_SECONDS = 20
    job = send_reply_email.enqueue(message_id=987654)
    worker = claimed_by_worker(job.id, alive=True, seconds_ago=600)  # a long job
    _last_seen(worker, 19)
    assert requeue_abandoned_jobs() == 0
    assert _status(job) == "RUNNING"


def test_a_job_whose_worker_is_not_seen_for_the_lease_is_queued_again(settings):
    settings.OPSDESK_JOB_LEASE_SECONDS = 20
    job = send_reply_email.enqueue(message_id=987654)
    worker = claimed_by_worker(job.id, alive=True)
    _last_seen(worker, 21)
    assert requeue_abandoned_jobs() == 1
    row = DBTaskResult.objects.get(pk=job.id)
    assert (row.status, row.started_at, row.worker_ids) == ("READY", None, [worker])
    assert requeue_abandoned_jobs() == 0


def test_a_job_claimed_just_now_by_a_worker_not_yet_seen_is_left_to_it(settings):
    settings.OPSDESK_JOB_LEASE_SECONDS = 20
    job = send_reply_email.enqueue(message_id=987654)
    DBTaskResult.objects.get(pk=job.id).claim("a-worker-starting")  # no heartbeat yet
    assert requeue_abandoned_jobs() == 0
    DBTaskResult.objects.filter(pk=job.id).update(
        started_at=timezone.now() - timedelta(seconds=21))
    assert requeue_abandoned_jobs() == 1


def test_the_jobs_of_a_stopped_worker_are_not_leased_to_it(settings):
    job = send_reply_email.enqueue(message_id=987654)
    worker = claimed_by_worker(job.id, alive=True)
    stopped(worker)
    assert requeue_abandoned_jobs() == 1


def test_a_job_queued_again_and_claimed_since_is_not_taken_from_its_new_worker():
    """Two sweeps read the same abandoned job; the first readies it, a worker claims it, and
    the second, readying it as it read it, leaves it to that worker."""
    job = send_reply_email.enqueue(message_id=987654)
    claimed_by_worker(job.id, alive=False)
    read = DBTaskResult.objects.get(pk=job.id)
    assert requeue_claim(job.id, claimed_at=read.started_at, workers=read.worker_ids)
    DBTaskResult.objects.get(pk=job.id).claim("alive-worker")
    assert not requeue_claim(job.id, claimed_at=read.started_at, workers=read.worker_ids)
    assert _status(job) == "RUNNING"


def test_a_job_whose_workers_died_in_each_of_five_runs_is_failed_not_run_again():
    """Likely what kills them: it is not handed to one worker after the other for ever."""
    job = send_reply_email.enqueue(message_id=987654)
    claimed_by_worker(job.id, alive=False)
    DBTaskResult.objects.filter(pk=job.id).update(worker_ids=["w1", "w2", "w3", "w4"])
    assert requeue_abandoned_jobs() == 1 and _status(job) == "READY"
    claimed_by_worker(job.id, alive=False)
    DBTaskResult.objects.filter(pk=job.id).update(
        worker_ids=["w1", "w2", "w3", "w4", "killed-worker"])
    assert requeue_abandoned_jobs() == 1
    row = DBTaskResult.objects.get(pk=job.id)
    assert row.status == "FAILED" and "in each of its 5 runs" in row.traceback
    assert row.task_result.errors[0].exception_class.__name__ == "LeaseExpired"


def test_a_heartbeat_is_written_then_renewed_on_the_database_clock():
    first = beat("w1")
    again = beat("w1")
    row = WorkerHeartbeat.objects.get(pk="w1")
    assert first <= again == row.last_seen_at
    assert abs((row.last_seen_at - timezone.now()).total_seconds()) < 5
    assert row.pid > 0 and row.host


def test_healthz_is_ok_while_a_worker_is_seen():
    beat("w1")
    body = Client().get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["workers"]["seen"] == 1 and body["workers"]["last_seen_at"]


def test_healthz_is_degraded_with_200_when_no_worker_was_seen_for_two_minutes(settings):
    """A load balancer keeps the web process (it works); a supervisor reads the status."""
    assert settings.OPSDESK_WORKER_SEEN_SECONDS == 120
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok",
                               "workers": {"seen": 0, "last_seen_at": None}}
    beat("w1")
    _last_seen("w1", 121)
    body = Client().get("/healthz").json()
    assert body["status"] == "degraded" and body["workers"]["seen"] == 0
    assert body["workers"]["last_seen_at"] is not None  # when it was last seen


def test_a_worker_that_stopped_is_not_counted_as_seen():
    beat("w1")
    beat("w2")
    stopped("w2")
    assert workers_seen()[0] == 1


def test_healthz_is_unavailable_when_the_database_does_not_answer(monkeypatch):
    from django.db import OperationalError

    from opsdesk.core import views

    def down() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "workers_seen", down)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
