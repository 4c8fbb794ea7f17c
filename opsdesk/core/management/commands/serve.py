"""`opsdesk serve`: the web server (gunicorn) on the address given."""

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def gunicorn_argv(*, bind: str, workers: int) -> list[str]:
    """The gunicorn command line for opsdesk's WSGI application."""
    return [
        sys.executable, "-m", "gunicorn", "opsdesk.wsgi:application",
        "--bind", bind, "--workers", str(workers), "--worker-class", "gthread",
        "--threads", os.environ.get("OPSDESK_WEB_THREADS", "4"),
        "--access-logfile", "-", "--log-level", "warning",
    ]


class Command(BaseCommand):
    help = "Serve opsdesk over HTTP with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("OPSDESK_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("OPSDESK_WEB_WORKERS", "2"))
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv(bind=options["bind"], workers=options["workers"])
        self.stdout.write(f"opsdesk serving on http://{options['bind']}/")
        sys.stdout.flush()
        os.execv(argv[0], argv)  # noqa: S606 - replaces this process with the server
