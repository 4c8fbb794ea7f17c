"""A database outage as one of the worker's loops lives through it: said once, backed off.

The job loop, the periodic jobs and the heartbeat each catch the errors of a database that
cannot be reached (`DATABASE_ERRORS`), close their broken connections, wait longer after
each failure (1, 2, 4 … seconds, capped) and carry on once it answers; the log says when an
outage began and when it ended, not every failed attempt in between.
"""

import logging
from contextlib import suppress

import psycopg
from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger("opsdesk.worker")

# What a database that is down, restarting or cut off raises (Django's wrappers, and psycopg
# itself for the connection that listens for new jobs).
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
BACKOFF_FIRST = 1.0
BACKOFF_CAP = 30.0


class Outage:
    """The state of one loop's database outage (`what` names the loop in the log)."""

    def __init__(self, what: str, *, cap: float = BACKOFF_CAP) -> None:
        self.what = what
        self.cap = cap
        self.failures = 0

    @property
    def ongoing(self) -> bool:
        return self.failures > 0

    def failed(self, exc: BaseException) -> float:
        """Note a failure (logged if it is the outage's first), close this thread's broken
        connections; returns the seconds to wait before trying again."""
        if not self.failures:
            logger.warning("%s: the database cannot be reached (%s: %s); trying again with "
                           "back-off", self.what, type(exc).__name__, str(exc).strip()[:200])
        self.failures += 1
        close_connections()
        return min(self.cap, BACKOFF_FIRST * 2 ** min(self.failures - 1, 16))

    def recovered(self) -> None:
        """Note that the database answered (logged if it ends an outage)."""
        if self.failures:
            logger.warning("%s: the database answers again (after %d failed attempts)",
                           self.what, self.failures)
            self.failures = 0


def close_connections() -> None:
    """Close this thread's database connections; a broken one may fail to close politely."""
    for connection in connections.all(initialized_only=True):
        with suppress(Exception):
            connection.close()
