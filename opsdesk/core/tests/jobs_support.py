"""Test support: a background job as a worker left it, alive or killed."""

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from opsdesk.core.models import WorkerHeartbeat


def claimed_by_worker(job_id: object, *, alive: bool, seconds_ago: float = 60,
                      worker_id: str = "") -> str:
    """Mark the job claimed `seconds_ago` and never finished, by a worker still beating
    (`alive`) or one killed then (last seen when it claimed the job); returns its id."""
    worker_id = worker_id or ("alive-worker" if alive else "killed-worker")
    claimed_at = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={
        "host": "test", "pid": 1, "started_at": claimed_at,
        "last_seen_at": timezone.now() if alive else claimed_at})
    DBTaskResult.objects.filter(pk=job_id).update(
        status="RUNNING", started_at=claimed_at, worker_ids=[worker_id])
    return worker_id
