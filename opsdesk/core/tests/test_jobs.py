"""The worker picks a job up as soon as it is committed, not at its next poll."""

import os
import subprocess
import sys
import time

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from opsdesk.communications.tasks import send_reply_email

POLL_SECONDS = 60  # far longer than the test waits: only the wake-up can explain a pick-up


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _listening() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND query = 'LISTEN opsdesk_jobs'")
        return bool(cursor.fetchone()[0])


def _until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_wakes_for_a_new_job(tmp_path):
    env = {**os.environ, "DATABASE_URL": _database_url(),
           "DJANGO_SETTINGS_MODULE": "opsdesk.settings", "OPSDESK_DEBUG": "0"}
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [sys.executable, "-m", "opsdesk.cli", "worker", "--interval", str(POLL_SECONDS)],
            env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            assert _until(_listening, 30), log.read_text(errors="replace")
            time.sleep(0.5)  # past its first look at the (empty) queue: now it waits

            job = send_reply_email.enqueue(message_id=987654)  # no such message: "skipped"

            done = _until(lambda: DBTaskResult.objects.get(pk=job.id).status == "SUCCESSFUL",
                          POLL_SECONDS / 3)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
    assert done, log.read_text(errors="replace")
    assert DBTaskResult.objects.get(pk=job.id).return_value == "skipped"


@pytest.mark.django_db
def test_enqueueing_a_job_works_on_either_database():
    job = send_reply_email.enqueue(message_id=987654)
    assert DBTaskResult.objects.get(pk=job.id).status == "READY"


@pytest.mark.django_db
def test_the_results_of_jobs_finished_long_ago_are_pruned():
    from datetime import timedelta

    from django.utils import timezone

    from opsdesk.core.jobs import JOB_RESULTS_KEPT_DAYS, prune_finished_jobs

    def job(status: str, days_ago: int) -> str:
        result = send_reply_email.enqueue(message_id=0)
        DBTaskResult.objects.filter(pk=result.id).update(
            status=status, finished_at=timezone.now() - timedelta(days=days_ago))
        return str(result.id)

    kept = [job("SUCCESSFUL", JOB_RESULTS_KEPT_DAYS - 1),
            job("FAILED", 2 * JOB_RESULTS_KEPT_DAYS - 1),
            send_reply_email.enqueue(message_id=0).id]  # still waiting
    pruned = [job("SUCCESSFUL", JOB_RESULTS_KEPT_DAYS + 1),
              job("FAILED", 2 * JOB_RESULTS_KEPT_DAYS + 1)]
    prune_finished_jobs()
    left = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert left == {str(pk) for pk in kept} and not left & set(pruned)
