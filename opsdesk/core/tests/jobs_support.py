"""Test support: a background job as a worker left it when it was killed."""

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult


def claimed_minutes_ago(job_id: object, minutes: float) -> None:
    """Mark the job claimed by a worker `minutes` ago and never finished."""
    DBTaskResult.objects.filter(pk=job_id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(minutes=minutes))
