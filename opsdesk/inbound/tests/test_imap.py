"""The IMAP poller against a real Dovecot: new mail becomes tickets, replies thread, bounces are
ignored, everything ingested is marked seen, and a mailbox has one poller at a time."""

import io
import threading
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from imapclient import SEEN, IMAPClient

from opsdesk.inbound import imap
from opsdesk.inbound.imap import claim_mailbox, poll_mailbox, poll_mailboxes
from opsdesk.inbound.models import InboundEmail, Mailbox, Outcome, Security
from opsdesk.schedule import PERIODIC_JOBS
from opsdesk.tickets.models import MessageKind, Ticket

from . import dovecot
from .mails import dsn, mail


@pytest.fixture(scope="module")
def imap_server():
    if not Path(dovecot.DOVECOT).exists():
        pytest.skip("Dovecot is not installed: run scripts/ensure-services.sh as root "
                    "(it installs the Debian package dovecot-imapd)")
    server = dovecot.start()
    yield server
    dovecot.stop(server)


@pytest.fixture
def folder(imap_server):
    """A fresh IMAP folder for one test, and a client to put mail in it."""
    name = f"support-{uuid.uuid4().hex[:8]}"
    client = IMAPClient(imap_server.host, port=imap_server.port, ssl=False, timeout=10)
    client.login(imap_server.user, imap_server.password)
    client.create_folder(name)
    client.select_folder(name)
    yield name, client
    client.logout()


@pytest.fixture
def mailbox(db, imap_server, folder):
    return Mailbox.objects.create(
        name="Support inbox", host=imap_server.host, port=imap_server.port,
        security=Security.NONE, username=imap_server.user, password=imap_server.password,
        folder=folder[0],
    )


def unseen(client: IMAPClient) -> list[int]:
    client.noop()  # see the flags the poller's own session set
    return client.search(["UNSEEN"])


def test_new_mail_a_reply_and_a_bounce(mailbox, folder):
    name, client = folder
    client.append(name, mail(message_id="<new@campus.example.edu.vn>"))
    client.append(name, mail(subject="Re: Cannot open the WEB102 exam", body="20 students.",
                             in_reply_to="<new@campus.example.edu.vn>"))
    client.append(name, dsn(original_message_id="<new@campus.example.edu.vn>"))

    [result] = poll_mailboxes().values()

    assert (result.fetched, result.ingested, result.failed, result.error) == (3, 3, 0, "")
    ticket = Ticket.objects.get()
    assert ticket.title == "Cannot open the WEB102 exam" and ticket.channel == "email"
    [reply] = ticket.messages.filter(kind=MessageKind.REPLY)
    assert (reply.body, reply.author) == ("20 students.", ticket.requester)
    outcomes = list(InboundEmail.objects.order_by("id").values_list("outcome", "mailbox"))
    assert outcomes == [(Outcome.TICKET_CREATED, "Support inbox"),
                        (Outcome.THREADED, "Support inbox"),
                        (Outcome.IGNORED_BOUNCE, "Support inbox")]
    assert unseen(client) == []
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 3 and mailbox.uid_validity > 0
    assert mailbox.claimed_until is None and mailbox.last_polled_at is not None


def test_a_second_poll_fetches_nothing_already_ingested(mailbox, folder):
    name, client = folder
    client.append(name, mail())
    poll_mailboxes()
    [result] = poll_mailboxes().values()
    assert result.fetched == 0
    assert Ticket.objects.count() == 1


def test_mail_read_before_the_first_poll_is_left_alone(mailbox, folder):
    name, client = folder
    client.append(name, mail(subject="Old, already handled"), flags=[SEEN])
    client.append(name, mail(subject="New"))
    poll_mailboxes()
    assert list(Ticket.objects.values_list("title", flat=True)) == ["New"]


def test_mail_that_arrived_since_the_last_poll_is_fetched_even_if_read(mailbox, folder):
    name, client = folder
    client.append(name, mail(subject="First"))
    poll_mailboxes()
    client.append(name, mail(subject="Read in a mail client already"), flags=[SEEN])
    poll_mailboxes()
    assert Ticket.objects.filter(title="Read in a mail client already").exists()


def test_one_message_failing_does_not_stop_the_others(mailbox, folder, monkeypatch):
    name, client = folder
    for subject in ("One", "Two (fails)", "Three"):
        client.append(name, mail(subject=subject))
    real_ingest = imap.ingest_email

    def database_down_for_two(*, raw, mailbox, received_at):
        if b"Two (fails)" in raw:
            raise ConnectionError("database went away")
        return real_ingest(raw=raw, mailbox=mailbox, received_at=received_at)

    monkeypatch.setattr(imap, "ingest_email", database_down_for_two)
    [result] = poll_mailboxes().values()
    assert (result.fetched, result.ingested, result.failed) == (3, 2, 1)
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["One", "Three"]
    assert len(unseen(client)) == 1  # left for the next poll

    monkeypatch.setattr(imap, "ingest_email", real_ingest)
    poll_mailboxes()
    assert Ticket.objects.filter(title="Two (fails)").exists()
    assert unseen(client) == []


def test_the_time_the_server_received_the_mail_is_kept(mailbox, folder):
    from datetime import UTC, datetime

    name, client = folder
    arrived = datetime(2024, 6, 3, 3, 0, 0, tzinfo=UTC)
    client.append(name, mail(), msg_time=arrived)
    poll_mailboxes()
    assert Ticket.objects.get().received_at == arrived


def test_a_wrong_password_is_recorded_on_the_mailbox(mailbox, folder):
    mailbox.password = "wrong"
    mailbox.save()
    [result] = poll_mailboxes().values()
    assert "LoginError" in result.error
    mailbox.refresh_from_db()
    assert "LoginError" in mailbox.last_error and mailbox.claimed_until is None


def test_a_disabled_mailbox_is_not_polled(mailbox, folder):
    name, client = folder
    client.append(name, mail())
    Mailbox.objects.filter(pk=mailbox.pk).update(enabled=False)
    assert poll_mailboxes() == {}
    assert not Ticket.objects.exists()


def test_a_mailbox_being_polled_is_not_claimed_twice(mailbox):
    first = claim_mailbox(pk=mailbox.pk)
    assert first is not None
    assert claim_mailbox(pk=mailbox.pk) is None
    poll_mailbox(mailbox=first)  # releases it
    assert claim_mailbox(pk=mailbox.pk) is not None


def test_the_poll_command_reports_each_mailbox(mailbox, folder):
    name, client = folder
    client.append(name, mail())
    out = io.StringIO()
    call_command("mail", "poll", "--once", stdout=out)
    assert out.getvalue().strip() == "Support inbox: 1 fetched, 1 ingested, 0 failed"


def test_the_worker_polls_every_minute():
    [job] = [j for j in PERIODIC_JOBS if j.name == "imap poll"]
    assert (job.every_seconds, job.job) == (60, poll_mailboxes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_polling_at_once_ingest_each_message_once(imap_server, folder,
                                                             shipped_data):
    name, client = folder
    Mailbox.objects.create(name="Support inbox", host=imap_server.host, port=imap_server.port,
                           security=Security.NONE, username=imap_server.user,
                           password=imap_server.password, folder=name)
    for i in range(30):
        client.append(name, mail(subject=f"Request {i}"))
    start = threading.Barrier(2)
    fetched: list[int] = []

    def worker():
        try:
            start.wait()
            fetched.append(sum(r.fetched for r in poll_mailboxes().values()))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(fetched) == [0, 30]  # one worker had it; the other skipped it
    assert Ticket.objects.count() == 30 and InboundEmail.objects.count() == 30
    assert unseen(client) == []

