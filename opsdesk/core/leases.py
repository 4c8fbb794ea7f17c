"""Leases: a job a worker has claimed stays its own while the worker's heartbeat is fresh.

The task queue marks a claimed job RUNNING, with the claiming worker's id last in its
`worker_ids`, and nothing more: a worker killed (SIGKILL, a crash, its machine gone) would
leave its jobs RUNNING for ever. So every `opsdesk worker` writes its heartbeat
(`WorkerHeartbeat.last_seen_at`, the database's time) every OPSDESK_WORKER_HEARTBEAT_SECONDS
from a thread of its own, and then sweeps: a RUNNING job claimed longer than
OPSDESK_JOB_LEASE_SECONDS ago by a worker whose heartbeat is older than that, missing, or
stopped, is made READY again and the idle workers are woken. Any task's job may so run
twice; each finds what its first run did and sends nothing twice.

A worker sweeps only once it has reached the database for a whole lease without a failure:
after an outage that cut every worker off, the others have had time to renew their own.
"""

import logging
import os
import socket
import threading
import time
from contextlib import suppress
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat
from .outage import DATABASE_ERRORS, Outage, close_connections
from .wakeup import wake_workers

logger = logging.getLogger("opsdesk.worker")
FORGOTTEN_AFTER = timedelta(days=7)  # heartbeats of workers gone this long are deleted


def lease() -> timedelta:
    return timedelta(seconds=float(settings.OPSDESK_JOB_LEASE_SECONDS))


def beat(worker_id: str) -> datetime:
    """Write the worker's heartbeat now; returns its time (the database's clock)."""
    if not WorkerHeartbeat.objects.filter(pk=worker_id).update(last_seen_at=Now()):
        WorkerHeartbeat.objects.filter(last_seen_at__lt=Now() - FORGOTTEN_AFTER).delete()
        WorkerHeartbeat.objects.create(worker_id=worker_id, host=socket.gethostname()[:255],
                                       pid=os.getpid(), started_at=Now(), last_seen_at=Now())
    return WorkerHeartbeat.objects.values_list("last_seen_at", flat=True).get(pk=worker_id)


def stopped(worker_id: str) -> None:
    """Record that the worker stopped (its jobs are finished, or no longer leased to it)."""
    WorkerHeartbeat.objects.filter(pk=worker_id).update(stopped_at=Now())


def requeue_abandoned_jobs(*, now: datetime | None = None) -> int:
    """Make READY again the jobs whose lease has run out (their worker is dead or cut off);
    `now`: the database's time, if known. Returns how many."""
    now = now or timezone.now()
    cutoff = now - lease()
    leased = set(WorkerHeartbeat.objects.filter(stopped_at=None, last_seen_at__gte=cutoff)
                 .values_list("pk", flat=True))
    requeued = 0
    for pk, worker_ids, started_at in DBTaskResult.objects.running().values_list(
            "pk", "worker_ids", "started_at"):
        holder = worker_ids[-1] if worker_ids else None
        if holder in leased or (started_at is not None and started_at >= cutoff):
            continue  # its worker is alive, or claimed it too lately to have said so
        requeued += requeue_claim(pk, claimed_at=started_at, workers=worker_ids)
    return requeued


# A job whose worker died this many times running it is failed instead of run again: it is
# likely what kills them (memory blown, a crash in a library), one worker after the other.
RUNS_AT_MOST = 5


class LeaseExpired(Exception):
    """The workers running a job died (or were cut off) every time."""


def requeue_claim(pk: UUID | str, *, claimed_at: datetime | None, workers: list[str]) -> bool:
    """Make READY the job as it was read, claimed at `claimed_at` by the last of `workers`
    (another sweep may have readied it and a worker claimed it since: then it is left
    alone); failed instead after RUNS_AT_MOST runs."""
    holder = workers[-1] if workers else None
    if len(workers) < RUNS_AT_MOST:
        outcome: dict[str, object] = {"status": TaskResultStatus.READY, "started_at": None}
    else:
        outcome = {"status": TaskResultStatus.FAILED, "finished_at": timezone.now(),
                   "exception_class_path": f"{__name__}.{LeaseExpired.__qualname__}",
                   "traceback": f"{LeaseExpired.__name__}: its worker died (or was cut off "
                                f"from the database) in each of its {len(workers)} runs"}
    with transaction.atomic():
        if not DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING,
                                           started_at=claimed_at).update(**outcome):
            return False
        if outcome["status"] == TaskResultStatus.READY:
            wake_workers()
    logger.warning("job %s: the lease of worker %s ran out (not seen for %s s); %s", pk,
                   holder, lease().total_seconds(),
                   "queued again" if outcome["status"] == TaskResultStatus.READY else
                   f"failed after {len(workers)} runs")
    return True


def workers_seen() -> tuple[int, datetime | None]:
    """How many workers were seen within OPSDESK_WORKER_SEEN_SECONDS, and when the last one
    was seen (one query)."""
    recently = Now() - timedelta(seconds=float(settings.OPSDESK_WORKER_SEEN_SECONDS))
    found = WorkerHeartbeat.objects.aggregate(
        seen=Count("pk", filter=Q(stopped_at=None, last_seen_at__gte=recently)),
        last=Max("last_seen_at"))
    return found["seen"], found["last"]


class Heartbeat:
    """The thread that keeps a worker's lease: its heartbeat, then the sweep of the leases
    that ran out; it outlives database outages and marks the worker stopped at the end."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="opsdesk-heartbeat",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and record the worker as stopped (waits a few seconds at most)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        every = float(settings.OPSDESK_WORKER_HEARTBEAT_SECONDS)
        outage = Outage("heartbeat", cap=every)  # the lease outlives a retry: back in time
        steady_since: float | None = None
        try:
            while not self._stop.is_set():
                pause = every
                try:
                    close_old_connections()
                    seen = beat(self.worker_id)
                    outage.recovered()
                    steady_since = steady_since or time.monotonic()
                    if time.monotonic() - steady_since >= lease().total_seconds():
                        requeue_abandoned_jobs(now=seen)
                except DATABASE_ERRORS as exc:
                    pause, steady_since = outage.failed(exc), None
                except Exception:  # a bug here must not end the worker's lease
                    logger.exception("heartbeat of worker %s failed", self.worker_id)
                self._stop.wait(pause)
            with suppress(*DATABASE_ERRORS):
                stopped(self.worker_id)
        finally:
            close_connections()
