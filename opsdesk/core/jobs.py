"""The worker's job loop: a queued job is picked up as soon as it is committed (see
core.wakeup), and the ready jobs of a joinable task (opsdesk/schedule.py: JOINABLE) are run
as one.

The loop lives through database outages (core.outage); the jobs it claims are leased to it
by its heartbeat, a thread of `opsdesk worker` (core.leases), and the job-joining below
knows nothing of either.
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from django.core.management import call_command
from django.db import (
    DatabaseError,
    OperationalError,
    close_old_connections,
    transaction,
)
from django.db.models import Model
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from .mail import one_session
from .outage import BACKOFF_CAP, DATABASE_ERRORS, Outage
from .wakeup import JobWakeup, wake_workers

logger = logging.getLogger("opsdesk.worker")
_in_job: ContextVar[bool] = ContextVar("opsdesk_in_job", default=False)
_handed_over: ContextVar[Model | None] = ContextVar("opsdesk_job_object", default=None)
M = TypeVar("M", bound=Model)
# Calls of one task made together: each call's keyword arguments and the object handed over.
Batch = list[tuple[dict[str, Any], Model | None]]
_Call = tuple[Task[Any, Any], dict[str, Any], Model | None]
_together: ContextVar[list[_Call] | None] = ContextVar("opsdesk_together", default=None)
BatchForm = Callable[[Batch], None]
JOIN_AT_MOST = 50  # jobs a worker joins into one run


@dataclass(frozen=True)
class Joining:
    """How queued jobs of one task are run as one: their `items` lists joined, the other
    arguments equal, by `each` (what the task does, an outcome per item), each job's
    result made of its items' outcomes by `result`."""

    task: Task[Any, Any]
    items: str
    each: Callable[..., list[Any]]
    result: Callable[[list[Any]], Any]


def joining_of(task_path: str) -> Joining | None:
    """How the ready jobs of this task are run as one, if they are (the task must tell, or
    send, nothing twice when run again: a joined run that fails is run job by job)."""
    from opsdesk.schedule import JOINABLE

    return next((j for j in JOINABLE if j.task.module_path == task_path), None)


def _run_joined(joining: Joining, jobs: list[DBTaskResult],
                alone: Callable[[DBTaskResult], None]) -> None:
    """Run jobs as one call of their task; each is marked with its part of the result. If
    that call fails, each job is run `alone` (a joinable task must be safe to run again),
    so that only the job at fault fails."""
    kwargs = dict(jobs[0].args_kwargs["kwargs"])
    lists = [job.args_kwargs["kwargs"][joining.items] for job in jobs]
    kwargs[joining.items] = [item for items in lists for item in items]
    try:
        outcomes = iter(joining.each(**kwargs))
    except Exception:
        logger.exception("%d joined %s jobs failed together; running each alone",
                         len(jobs), joining.task.name)
        for job in jobs:
            alone(job)
        return
    for job, items in zip(jobs, lists, strict=True):
        job.set_successful(joining.result([next(outcomes) for _ in items]))


def announce_job(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """Wake the idle workers (PostgreSQL); the job is theirs once its transaction commits."""
    try:
        wake_workers()
    except DatabaseError:  # the job is queued all the same: the next poll finds it
        logger.warning("could not wake the workers for job %s", task_result.id)


@contextmanager
def running_job() -> Iterator[None]:
    """Mark what runs inside as a worker's job (see `after_commit`)."""
    token = _in_job.set(True)
    try:
        with one_session():  # the job's emails share one SMTP session
            yield
    finally:
        _in_job.reset(token)


def after_commit(task: Task[Any, Any], *, handing_over: Model | None = None,
                 **kwargs: Any) -> None:
    """Run a job once the current transaction commits: queued for the worker or, when this
    already is a worker's job, at once within it — the email a fan-out sends leaves without
    another trip through the queue. One that fails unexpectedly there is queued instead.

    `handing_over`: the object the job would read by its id, as written here; run in place,
    the job takes it (`handed_over`) instead of reading it again."""
    together = _together.get()
    if _in_job.get() and together is not None:
        transaction.on_commit(partial(together.append, (task, kwargs, handing_over)))
    elif _in_job.get():
        transaction.on_commit(partial(_run_in_place, task, kwargs, handing_over))
    else:
        transaction.on_commit(partial(task.enqueue, **kwargs))


def batch_form_of(task_path: str) -> BatchForm | None:
    """What does several calls of this task at once, if anything (opsdesk/schedule.py)."""
    from opsdesk.schedule import BATCH_FORMS

    return next((run for task, run in BATCH_FORMS if task.module_path == task_path), None)


@contextmanager
def delivering_together() -> Iterator[None]:
    """Within a job: what the transactions inside call for (`after_commit`) runs when the
    block ends, after they commit — each task's calls at once where it has a batch form."""
    calls: list[_Call] = []
    token = _together.set(calls)
    try:
        yield
    finally:
        _together.reset(token)
        # At once when the block's transactions were the outermost (they have committed);
        # inside another, after it commits, as the calls themselves will be collected.
        transaction.on_commit(partial(_run_together, calls))


def _run_together(calls: list[_Call]) -> None:
    by_task: dict[str, list[_Call]] = {}
    for call in calls:
        by_task.setdefault(call[0].module_path, []).append(call)
    for path, task_calls in by_task.items():
        run = batch_form_of(path)
        if run is None or len(task_calls) == 1:
            for task, kwargs, handing_over in task_calls:
                _run_in_place(task, kwargs, handing_over)
            continue
        try:
            run([(kwargs, handing_over) for _, kwargs, handing_over in task_calls])
        except Exception:  # the calls skip what was done already
            logger.exception("%d calls of %s failed within another job; queued instead",
                             len(task_calls), path)
            for task, kwargs, _ in task_calls:
                task.enqueue(**kwargs)


def _run_in_place(task: Task[Any, Any], kwargs: dict[str, Any],
                  handing_over: Model | None) -> None:
    token = _handed_over.set(handing_over)
    try:
        task.call(**kwargs)
    except Exception:
        logger.exception("job %s failed within another job; queued instead", task.name)
        task.enqueue(**kwargs)
    finally:
        _handed_over.reset(token)


def handed_over(model: type[M], pk: Any) -> M | None:
    """The object handed to this job run in place (see `after_commit`), if it is this one."""
    found = _handed_over.get()
    return found if isinstance(found, model) and found.pk == pk else None


# How long the results of finished jobs are kept (failed ones twice as long), in days.
JOB_RESULTS_KEPT_DAYS = 14


def prune_finished_jobs() -> None:
    """Delete the results of jobs finished long ago: one or more rows per ticket otherwise
    accumulate in the queue's table for ever (the task queue's own command does it); and
    the records of emails sent by jobs as old (no such job runs again)."""
    from .models import SentEmail

    call_command("prune_db_task_results", queue_name="*", min_age_days=JOB_RESULTS_KEPT_DAYS,
                 failed_min_age_days=2 * JOB_RESULTS_KEPT_DAYS, verbosity=0)
    SentEmail.objects.filter(
        sent_at__lt=timezone.now() - timedelta(days=2 * JOB_RESULTS_KEPT_DAYS)).delete()


def connect() -> None:
    task_enqueued.connect(announce_job, dispatch_uid="opsdesk.core.announce_job")


# A job whose run failed because the database went away is queued again, at most this many
# times, after the back-off of its run's number (the database answered when it was marked).
RUNS_CUT_OFF_AT_MOST = 5


class WakingWorker(Worker):
    """The task queue's worker (every queue), waiting for announced jobs when idle. It lives
    through database outages (core.outage): says so once, backs off, carries on; only a
    signal stops it."""

    def __init__(self, *, interval: float, worker_id: str) -> None:
        super().__init__(queue_names=["*"], interval=interval, batch=False,
                         backend_name="default", startup_delay=False, max_tasks=None,
                         worker_id=worker_id, excluded_queue_names=[])
        self.signal = JobWakeup()
        self.outage = Outage("job loop")

    def run(self) -> None:
        self.signal.start()
        try:
            while self.running:
                try:
                    self._run_next()
                except DATABASE_ERRORS as exc:
                    pause = self.outage.failed(exc)
                    self.signal.close()
                    if self.running:
                        time.sleep(pause)  # a stop signal ends the worker here at once
        finally:
            self.signal.close()

    def _run_next(self) -> None:
        """Run a ready job, or wait for one to be announced."""
        close_old_connections()
        if self.outage.ongoing:
            self._requeue_own_jobs()
        job = self._claim()
        self.outage.recovered()
        if job is not None:
            self.run_task(job)
        elif self.running:
            self.signal.wait(self.interval)

    def _requeue_own_jobs(self) -> None:
        """Ready again the jobs this worker claimed and could not mark finished, the
        database gone (it runs none now; every task is safe to run again)."""
        for pk, worker_ids in DBTaskResult.objects.running().values_list("pk", "worker_ids"):
            if worker_ids and worker_ids[-1] == self.worker_id:
                DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.READY, started_at=None)
                logger.warning("job %s was cut off from the database; queued again", pk)

    def _run_one(self, job: DBTaskResult) -> None:
        """Run a job alone (the task queue's way); if it failed only because the database
        went away, queue it again after a back-off."""
        super().run_task(job)
        runs = len(job.worker_ids)
        if job.status == TaskResultStatus.FAILED and runs < RUNS_CUT_OFF_AT_MOST \
                and _cut_off(job.exception_class_path):
            delay = timedelta(seconds=min(BACKOFF_CAP, 2.0 ** runs))
            DBTaskResult.objects.filter(pk=job.pk, status=TaskResultStatus.FAILED).update(
                status=TaskResultStatus.READY, run_after=timezone.now() + delay,
                finished_at=None)
            logger.warning("job %s failed as the database went away; queued again in %s s",
                           job.pk, delay.total_seconds())

    def run_task(self, db_task_result: DBTaskResult) -> None:
        # Running from the claim: a stop signal now lets the claimed jobs finish (the
        # queue's worker exits at once otherwise, leaving them claimed for ever).
        self.running_task = True
        try:
            with running_job():
                joining = joining_of(db_task_result.task_path)
                others = self._claim_joining(db_task_result, joining) \
                    if joining and self.running else []  # told to stop: claim no more
                if not others:
                    self._run_one(db_task_result)
                    return
                assert joining is not None
                _run_joined(joining, [db_task_result, *others], alone=self._run_alone)
        finally:
            self.running_task = False

    def _run_alone(self, job: DBTaskResult) -> None:
        self._run_one(job)
        self.running_task = True  # still within the run that claimed it

    def _claim_joining(self, first: DBTaskResult, joining: "Joining") -> list[DBTaskResult]:
        """Other jobs of the same task ready now, with the same arguments but the list."""
        same = {f"args_kwargs__kwargs__{name}": value
                for name, value in first.args_kwargs["kwargs"].items() if name != joining.items}
        ready = DBTaskResult.objects.ready().filter(
            backend_name=self.backend_name, task_path=first.task_path, **same).order_by(
            "enqueued_at")
        with exclusive_transaction(ready.db):
            try:
                others = list(ready.select_for_update(skip_locked=True)[:JOIN_AT_MOST])
            except OperationalError as exc:
                if is_locked_database_exception(exc):
                    return []
                raise
            for job in others:
                job.claim(self.worker_id)
        return others

    def _claim(self) -> DBTaskResult | None:
        """A ready job, claimed."""
        ready = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        with exclusive_transaction(ready.db):
            try:
                job: DBTaskResult | None = ready.get_locked()
            except OperationalError as exc:
                if is_locked_database_exception(exc):
                    return None  # SQLite busy: try again after the wait
                raise
            if job is not None:
                job.claim(self.worker_id)
        return job


def _cut_off(exception_class_path: str) -> bool:
    """Whether a job's failure was the database's going away (not the job's fault)."""
    try:
        raised = import_string(exception_class_path)
    except ImportError:
        return False
    return isinstance(raised, type) and issubclass(raised, DATABASE_ERRORS)
