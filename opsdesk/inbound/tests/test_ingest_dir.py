"""`opsdesk mail ingest-dir DIR`: every message file of a directory, as `mail ingest` would."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from opsdesk.inbound.directory import sender_lanes
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


def senders_spool(folder: Path) -> None:
    """Three senders; one follows up on her own message, another's mail arrives twice."""
    people = ["Le Ngoc A <ngoc.a.le@campus.example.edu.vn>",
              "Tran Van B <van.b.tran@campus.example.edu.vn>",
              "Pham Thi C <thi.c.pham@campus.example.edu.vn>"]
    for n in range(12):
        sender = people[n % 3]
        (folder / f"{n:02d}.eml").write_bytes(mail(
            from_=sender, subject=f"Lớp WEB10{n} không nộp được bài", message_id=f"<m{n}@x>"))
    (folder / "20.eml").write_bytes(mail(from_=people[0], subject="Re: still broken",
                                         message_id="<f0@x>", in_reply_to="<m0@x>"))
    (folder / "21.eml").write_bytes((folder / "01.eml").read_bytes())  # delivered again


def test_lanes_keep_each_senders_messages_together_and_in_order(tmp_path: Path):
    senders_spool(tmp_path)
    files = sorted(tmp_path.iterdir())

    lanes = sender_lanes(files, 2)

    assert sorted(p for lane in lanes for p in lane) == files
    first_lane = next(lane for lane in lanes if tmp_path / "00.eml" in lane)
    assert tmp_path / "20.eml" in first_lane  # the follow-up goes where its first message is
    assert all(lane == sorted(lane) for lane in lanes)
    assert {p.name for p in first_lane} >= {"00.eml", "03.eml", "06.eml", "09.eml", "20.eml"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_jobs_ingest_in_parallel_with_the_same_outcome(tmp_path: Path):
    senders_spool(tmp_path)

    output = run(str(tmp_path), "--jobs", "2", "--delete")

    assert output.strip() == ("14 files: 1 duplicate, 1 added to its ticket, "
                              "12 ticket created; 14 deleted.")
    assert Ticket.objects.count() == 12
    follow_up = InboundEmail.objects.get(message_id="<f0@x>")
    assert follow_up.outcome == Outcome.THREADED
    assert follow_up.ticket == InboundEmail.objects.get(message_id="<m0@x>").ticket
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_parallel_jobs_are_refused_on_sqlite_and_change_nothing(tmp_path: Path):
    senders_spool(tmp_path)
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's refusal")

    with pytest.raises(CommandError, match="needs PostgreSQL"):
        run(str(tmp_path), "--jobs", "2", "--delete")

    assert not Ticket.objects.exists()
    assert len(list(tmp_path.iterdir())) == 14


def test_jobs_below_one_are_refused(tmp_path: Path):
    with pytest.raises(CommandError, match="jobs must be at least 1"):
        run(str(tmp_path), "--jobs", "0")
