"""`opsdesk mail ingest-dir DIR`: every message file of a directory, as `mail ingest` would."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opsdesk.inbound.models import InboundEmail, Outcome
from opsdesk.tickets.models import Ticket

from .mails import mail

NO_SENDER = b"Subject: no sender\r\nMessage-ID: <ns@x>\r\n\r\nbody\r\n"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("mail", "ingest-dir", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_ingests_every_file_in_name_order_and_keeps_them_by_default(tmp_path: Path):
    (tmp_path / "b.eml").write_bytes(mail(subject="Second", message_id="<b@x>"))
    (tmp_path / "a.eml").write_bytes(mail(subject="Không vào được lớp", message_id="<a@x>"))
    (tmp_path / ".hidden").write_bytes(b"not a message")
    (tmp_path / "folder").mkdir()

    output = run(str(tmp_path))

    assert output.strip() == "2 files: 2 ticket created."
    assert list(Ticket.objects.order_by("pk").values_list("title", flat=True)) == [
        "Không vào được lớp", "Second"]
    assert set(InboundEmail.objects.values_list("mailbox", flat=True)) == {"directory"}
    assert (tmp_path / "a.eml").exists() and (tmp_path / "b.eml").exists()


@pytest.mark.django_db
def test_delete_removes_stored_messages_and_leaves_failed_ones(tmp_path: Path):
    (tmp_path / "1.eml").write_bytes(mail(message_id="<one@x>"))
    (tmp_path / "2.eml").write_bytes(mail(message_id="<one@x>"))  # the same again
    (tmp_path / "3.eml").write_bytes(NO_SENDER)

    with pytest.raises(CommandError, match=r"1 not ingested \(left in place\): 3.eml"):
        run(str(tmp_path), "--delete", "--mailbox", "spool")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["3.eml"]
    assert Ticket.objects.count() == 1
    assert InboundEmail.objects.get(outcome=Outcome.TICKET_CREATED).mailbox == "spool"


def test_refuses_a_path_that_is_not_a_directory(tmp_path: Path):
    with pytest.raises(CommandError, match="is not a directory"):
        run(str(tmp_path / "missing"))
