"""`opsdesk demo`: migrate, load the demo data, print how to log in, and serve."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from opsdesk.connectors.demo import ensure_demo_connectors, fake_commands
from opsdesk.core.management.commands.serve import gunicorn_argv
from opsdesk.demo.loader import PEOPLE, load_demo


class Command(BaseCommand):
    help = "Set up the demo (database, people, tickets) and serve it on localhost."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="Set up, print, and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        access = load_demo()
        ensure_demo_connectors()
        url = f"http://{options['bind']}"
        lines = [
            "",
            "opsdesk demo" + (" — demo tickets loaded" if access.loaded else ""),
            f"  Admin and sign-in:  {url}/admin/",
            f"  API docs:           {url}/api/v1/docs",
            f"  Password for every demo account (new each run): {access.password}",
            *(f"    {role:<9} {email}" for email, _, role, _ in PEOPLE),
            f"  API token of the agent: {access.agent_token}",
            "  A worker runs alongside: SLA warnings and breaches are printed here as emails.",
            "  The Dev Team's Teams, Slack and webhook channels post to a local stand-in on",
            "  http://127.0.0.1:8099, which prints what it receives here.",
            "  The fake HR directory (:8091) and LMS (:8092) serve the login-recovery people.",
            "  Email a ticket in:  opsdesk mail ingest < message.eml",
            f"    curl -H 'Authorization: Bearer {access.agent_token}' {url}/api/v1/tickets",
            "",
        ]
        self.stdout.write("\n".join(lines))
        if not options["no_serve"]:
            call_command("collectstatic", interactive=False, verbosity=0)
            run_together([
                [sys.executable, "-m", "opsdesk.cli", "worker", "--interval", "0.2"],
                [sys.executable, "-m", "opsdesk.notifications.channels.fake", "--port", "8099"],
                *fake_commands(),
                gunicorn_argv(bind=options["bind"], workers=2),
            ])


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_together(commands: list[list[str]]) -> None:
    """Run the processes until one exits or we are interrupted (Ctrl+C, or SIGTERM / SIGHUP
    as a service manager or a closed terminal sends), then stop them all."""
    # The demo is served over plain http on localhost: cookies cannot require HTTPS there.
    env = {**os.environ, "OPSDESK_SECURE_COOKIES": "0"}
    # Python ends at once on SIGTERM and SIGHUP, skipping the clean-up below: the server,
    # worker and fakes ran on without it, holding their ports.
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, _interrupt)
    processes = [subprocess.Popen(argv, env=env) for argv in commands]  # noqa: S603 - ours
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop, signal.SIG_IGN)  # a second signal must not cut this short
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
