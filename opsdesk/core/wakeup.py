"""Waking the workers: a queued job is picked up as soon as it is committed.

On PostgreSQL every enqueued job sends `NOTIFY opsdesk_jobs` (delivered when its transaction
commits) and an idle worker waits on `LISTEN opsdesk_jobs`, up to its polling interval; so
an automatic answer or an email leaves at once instead of at the worker's next look. On
SQLite, and whenever the listening connection is lost, the worker polls every interval.
"""

import logging
import time
from contextlib import suppress
from typing import Any

import psycopg
from django.db import connections
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("opsdesk.worker")
CHANNEL = "opsdesk_jobs"


def wake_workers() -> None:
    """Have the idle workers look at the queue once the current transaction commits
    (PostgreSQL's NOTIFY; on SQLite they look every interval)."""
    database = connections[DBTaskResult.objects.db]
    if database.vendor == "postgresql":
        with database.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")


class JobWakeup:
    """Wait until a job is announced, or `timeout` seconds; a lost listening connection is
    said once and opened again at the next wait (polling meanwhile)."""

    def __init__(self) -> None:
        self._listening: psycopg.Connection[Any] | None = None
        self._lost = False

    def start(self) -> None:
        """Listen from now on (so no job announced before the first wait is missed)."""
        if connections["default"].vendor == "postgresql":
            try:
                self._listen()
            except psycopg.Error as exc:
                self._failed(exc)

    def wait(self, timeout: float) -> None:
        if connections["default"].vendor != "postgresql":
            time.sleep(timeout)
            return
        try:
            listening = self._listening or self._listen()
            for _ in listening.notifies(timeout=timeout, stop_after=1):
                pass
        except psycopg.Error as exc:  # the database may be gone: the loop finds out at once
            self._failed(exc)
            time.sleep(min(timeout, 1.0))

    def _listen(self) -> "psycopg.Connection[Any]":
        params = connections["default"].get_connection_params()
        self._listening = psycopg.connect(**params, autocommit=True)
        self._listening.execute(f"LISTEN {CHANNEL}")
        if self._lost:
            logger.warning("listening for jobs again")
            self._lost = False
        return self._listening

    def _failed(self, exc: psycopg.Error) -> None:
        if not self._lost:
            logger.warning("cannot listen for jobs (%s); polling the queue meanwhile",
                           type(exc).__name__)
            self._lost = True
        self.close()

    def close(self) -> None:
        listening, self._listening = self._listening, None
        if listening is not None:
            with suppress(psycopg.Error):
                listening.close()
