"""`opsdesk mail ingest` as a mail server's pipe runs it: a message on stdin, an exit code."""

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from opsdesk.inbound.management.commands.mail import Command
from opsdesk.inbound.models import InboundEmail, Outcome
from opsdesk.tickets.models import Ticket

from .mails import mail

NO_SENDER = b"Subject: no sender\r\nMessage-ID: <ns@x>\r\n\r\nbody\r\n"


def run_ingest(raw: bytes) -> str:
    out = io.StringIO()
    call_command("mail", "ingest", stdin=io.BytesIO(raw), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_ingest_reads_one_message_from_stdin():
    output = run_ingest(mail(message_id="<cli@x>"))
    ticket = Ticket.objects.get()
    assert output.strip() == f"Ticket created ({ticket.ref})."
    assert InboundEmail.objects.get().mailbox == "pipe"


@pytest.mark.django_db
def test_ingest_reports_an_ignored_message_as_success():
    output = run_ingest(mail(headers={"Auto-Submitted": "auto-replied"}))
    assert output.strip() == "Ignored: automatic reply."
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_ingest_fails_with_a_clear_message_when_the_mail_has_no_sender():
    with pytest.raises(CommandError, match=r"Message not ingested \(inbound email \d+\): "
                                           r"The message has no sender address"):
        run_ingest(NO_SENDER)
    assert InboundEmail.objects.get().outcome == Outcome.FAILED


@pytest.mark.django_db
def test_ingest_refuses_an_empty_stdin():
    with pytest.raises(CommandError, match="No message on stdin"):
        run_ingest(b"  \r\n")
    assert not InboundEmail.objects.exists()


@pytest.mark.django_db
def test_a_failure_exits_non_zero_with_one_line_on_stderr(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(NO_SENDER)))
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["opsdesk", "mail", "ingest"])
    assert exit_info.value.code == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("CommandError: Message not ingested")


@pytest.fixture
def database_url_for_a_subprocess(tmp_path: Path, settings) -> str:
    """A database another process can open, with the schema migrated."""
    if connection.vendor == "sqlite":  # the test database lives in memory: copy it to a file
        path = tmp_path / "pipe.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        return f"sqlite:///{path}"
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_real_command_works_as_a_pipe(shipped_data, database_url_for_a_subprocess,
                                         tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url_for_a_subprocess,
           "OPSDESK_DATA_DIR": str(tmp_path), "OPSDESK_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "opsdesk.cli", "mail", "ingest"]

    def pipe(raw: bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(command, input=raw, env=env, capture_output=True,  # noqa: S603
                              timeout=60, check=False)

    raw = mail(message_id="<pipe@x>")
    first, again, broken = pipe(raw), pipe(raw), pipe(NO_SENDER)
    assert first.returncode == 0, first.stderr
    created = re.fullmatch(r"Ticket created \((#\d{5,})\)\.", first.stdout.decode().strip())
    assert created is not None, first.stdout
    assert (again.returncode, again.stdout.decode().strip()) == (
        0, f"Duplicate ({created.group(1)}).")
    assert broken.returncode == 1
    assert broken.stderr.decode().strip().endswith(
        "The message has no sender address (From header missing or empty).")


@pytest.mark.django_db
def test_a_database_outage_asks_the_mail_server_to_retry(monkeypatch):
    from django.db import OperationalError

    from opsdesk.inbound.management.commands import mail as command

    def database_down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(command, "ingest_email", database_down)
    with pytest.raises(CommandError, match="try again later") as error:
        run_ingest(mail())
    assert error.value.returncode == 75
