"""The loop that runs the periodic jobs of `opsdesk worker` (declared in opsdesk/schedule.py).

Each job must be safe to run in several workers at once (they claim rows with SKIP LOCKED).
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections

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
    while not stop.is_set():
        for job in PERIODIC_JOBS:
            if time.monotonic() < next_run[job.name]:
                continue
            next_run[job.name] = time.monotonic() + job.every_seconds
            close_old_connections()
            try:
                job.job()
            except Exception:
                logger.exception("periodic job %s failed", job.name)
        stop.wait(1.0)
    close_old_connections()
