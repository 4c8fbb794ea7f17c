"""`opsdesk worker`: background jobs (the task queue) and periodic jobs (SLA timers, …)."""

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from opsdesk.core import scheduler


class Command(BaseCommand):
    help = "Run background jobs and the periodic timers. Run as many as you like."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds between checks for queued jobs.")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        timers = threading.Thread(target=scheduler.run_forever, args=(stop,), daemon=True,
                                  name="opsdesk-scheduler")
        timers.start()
        names = ", ".join(j.name for j in scheduler.JOBS)
        self.stdout.write(f"opsdesk worker: task queue and periodic jobs ({names})")
        try:
            call_command("db_worker", queue_name="*", interval=options["interval"],
                         verbosity=options["verbosity"])
        finally:
            stop.set()
            timers.join(timeout=5)
