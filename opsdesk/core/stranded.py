"""Deliveries stranded by a worker that stopped: queue them again.

A worker's job sends what it caused (a reply's email, a notification) within the job, right
after the job's transaction commits (`jobs.after_commit`). A worker killed in that moment
leaves those deliveries committed but never tried, with no job to try them; the periodic
sweep finds them by their state (pending, no attempt yet, older than a job takes) and
queues their usual job.
"""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

STRANDED_AFTER = timedelta(minutes=10)
SWEEP_LIMIT = 200


def requeue_stranded(*, untried: QuerySet[Model], task: Task[Any, Any], id_argument: str,
                     older_than: timedelta = STRANDED_AFTER) -> int:
    """Queue `task` (taking the row's id as `id_argument`) for each of the `untried` rows
    created more than `older_than` ago that no queued or running job will deliver (a job
    whose worker died is queued again when its lease runs out, core.leases); returns how
    many were queued."""
    with transaction.atomic():
        # Locked, and the jobs queued in this transaction: a sweep running at the same
        # time in another worker skips these rows, and later sweeps see their jobs.
        stale = list(untried.filter(created_at__lt=timezone.now() - older_than)
                     .select_for_update(skip_locked=True).order_by("pk")
                     .values_list("pk", flat=True)[:SWEEP_LIMIT])
        if not stale:
            return 0
        waiting = set(DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
            task_path=task.module_path,
            **{f"args_kwargs__kwargs__{id_argument}__in": stale},
        ).values_list(f"args_kwargs__kwargs__{id_argument}", flat=True))
        stranded = [pk for pk in stale if pk not in waiting]
        for pk in stranded:
            task.enqueue(**{id_argument: pk})
    return len(stranded)
