"""The loop that runs the periodic jobs of `opsdesk worker` (declared in opsdesk/schedule.py).

Each job must be safe to run in several workers at once (they claim rows with SKIP LOCKED).
While the database cannot be reached the loop says so once and backs off (core.outage); the
job that found it down is due again as soon as it answers.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections

from .outage import DATABASE_ERRORS, Outage, close_connections

logger = logging.getLogger("opsdesk.scheduler")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    job: Callable[[], Any]


def run_forever(stop: threading.Event) -> None:
    """Run each periodic job when it is due, until `stop` is set."""
    from opsdesk.schedule import PERIODIC_JOBS

    next_run = dict.fromkeys((j.name for j in PERIODIC_JOBS), 0.0)
    outage = Outage("periodic jobs")
    while not stop.is_set():
        pause = 1.0
        for job in PERIODIC_JOBS:
            if time.monotonic() < next_run[job.name]:
                continue
            next_run[job.name] = time.monotonic() + job.every_seconds
            try:
                close_old_connections()
                job.job()
            except DATABASE_ERRORS as exc:  # said once an outage; due again once it ends
                pause, next_run[job.name] = outage.failed(exc), 0.0
                break
            except Exception:
                logger.exception("periodic job %s failed", job.name)
            else:
                outage.recovered()
        stop.wait(pause)
    close_connections()
