"""`opsdesk worker`: background jobs (the task queue), the heartbeat that leases them to this
worker, and periodic jobs (SLA timers, …)."""

import threading
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as QueueWorkerCommand

from opsdesk.core import scheduler
from opsdesk.core.jobs import WakingWorker
from opsdesk.core.leases import Heartbeat


class Command(BaseCommand):
    help = "Run background jobs and the periodic timers. Run as many as you like."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds between checks for queued jobs when idle (on "
                            "PostgreSQL a new job wakes the worker at once).")
        parser.add_argument("--no-periodic", action="store_true",
                            help="Work the task queue only, leaving the periodic jobs (SLA "
                            "timers, mail polling, …) to the other workers.")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        timers = threading.Thread(target=scheduler.run_forever, args=(stop,), daemon=True,
                                  name="opsdesk-scheduler")
        if options["no_periodic"]:
            self.stdout.write("opsdesk worker: task queue only")
        else:
            timers.start()
            from opsdesk.schedule import PERIODIC_JOBS

            names = ", ".join(j.name for j in PERIODIC_JOBS)
            self.stdout.write(f"opsdesk worker: task queue and periodic jobs ({names})")
        QueueWorkerCommand(stdout=cast(TextIO, self.stdout)).configure_logging(options["verbosity"])
        worker = WakingWorker(interval=options["interval"], worker_id=get_random_string(32))
        heartbeat = Heartbeat(worker.worker_id)  # the lease of the jobs it claims
        heartbeat.start()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
            if timers.is_alive():
                timers.join(timeout=5)
            heartbeat.stop()
