"""`opsdesk mail ingest` (one RFC 822 message on stdin, for a mail server pipe),
`opsdesk mail ingest-dir DIR` (every message file of a directory) and
`opsdesk mail poll [--once]` (the IMAP mailboxes set up in the admin)."""

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from opsdesk.core.errors import InvalidInput
from opsdesk.inbound.directory import ingest_directory
from opsdesk.inbound.imap import poll_mailboxes
from opsdesk.inbound.models import Outcome
from opsdesk.inbound.services import ingest_email
from opsdesk.tickets.models import format_ref

EX_TEMPFAIL = 75  # sysexits.h: Postfix and others retry the delivery later


class Command(BaseCommand):
    help = "Receive email: ingest one message from stdin, or poll the IMAP mailboxes."
    stealth_options = ("stdin",)  # call_command(..., stdin=BytesIO(...)) in tests
    requires_system_checks: list[str] = []  # a mail server pipe starts it for every message

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        ingest = actions.add_parser("ingest", help="Read one RFC 822 message on stdin.")
        ingest.add_argument("--mailbox", default="pipe", help="Recorded as where it came from.")
        folder = actions.add_parser("ingest-dir", help="Ingest every message file of a "
                                    "directory (.eml), one transaction each, in name order.")
        folder.add_argument("directory", type=Path)
        folder.add_argument("--mailbox", default="directory", help="Recorded as where it came "
                            "from.")
        folder.add_argument("--delete", action="store_true",
                            help="Remove each file once its message is stored.")
        folder.add_argument("--jobs", type=int, default=1,
                            help="Processes ingesting in parallel, each sender's messages in "
                            "one of them, in order (PostgreSQL only; default 1).")
        poll = actions.add_parser("poll", help="Poll the enabled IMAP mailboxes.")
        poll.add_argument("--once", action="store_true", help="Poll once and exit.")
        poll.add_argument("--every", type=float, default=60.0, help="Seconds between polls.")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action'].replace('-', '_')}")(options)

    def _ingest(self, options: dict[str, Any]) -> None:
        raw = (options.get("stdin") or sys.stdin.buffer).read()
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if not raw.strip():
            raise CommandError("No message on stdin.")
        try:
            inbound = ingest_email(raw=raw, mailbox=options["mailbox"])
        except DatabaseError as exc:  # the mail server keeps the message and tries again later
            raise CommandError(f"Database unavailable, try again later ({type(exc).__name__}).",
                               returncode=EX_TEMPFAIL) from exc
        if inbound.outcome == Outcome.FAILED:
            raise CommandError(f"Message not ingested (inbound email {inbound.pk}): "
                               f"{inbound.error}")
        ticket = f" ({format_ref(inbound.ticket_id)})" if inbound.ticket_id else ""
        self.stdout.write(f"{inbound.get_outcome_display()}{ticket}.")

    def _ingest_dir(self, options: dict[str, Any]) -> None:
        directory: Path = options["directory"]
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory.")
        try:
            result = ingest_directory(directory, mailbox=options["mailbox"],
                                      delete=options["delete"], jobs=options["jobs"])
        except InvalidInput as exc:
            raise CommandError(exc.message) from exc
        except DatabaseError as exc:
            raise CommandError(f"Database unavailable, try again later ({type(exc).__name__}).",
                               returncode=EX_TEMPFAIL) from exc
        counts = ", ".join(f"{n} {Outcome(o).label.lower() if o in Outcome.values else o}"
                           for o, n in sorted(result.outcomes.items()))
        self.stdout.write(f"{result.files} files: {counts or 'nothing to do'}"
                          f"{f'; {result.deleted} deleted' if options['delete'] else ''}.")
        if result.failed:
            raise CommandError(f"{len(result.failed)} not ingested (left in place): "
                               f"{', '.join(result.failed[:10])}"
                               f"{' …' if len(result.failed) > 10 else ''}")

    def _poll(self, options: dict[str, Any]) -> None:
        while True:
            results = poll_mailboxes()
            for name, result in results.items():
                status = f" — error: {result.error}" if result.error else ""
                self.stdout.write(f"{name}: {result.fetched} fetched, {result.ingested} "
                                  f"ingested, {result.failed} failed{status}")
            if not results:
                self.stdout.write("No mailbox to poll (none enabled, or all being polled).")
            if options["once"]:
                return
            time.sleep(options["every"])
