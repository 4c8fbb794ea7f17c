"""Real `opsdesk worker` processes against PostgreSQL: one killed with SIGKILL in the middle
of a batch of fan-outs, whose jobs another worker finishes once their lease runs out (each
requester acknowledged exactly once, within 60 s of the kill); and one cut off from the
database for 10 s, which carries on and runs what was queued meanwhile."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from opsdesk.communications.tasks import send_reply_email
from opsdesk.core.models import WorkerHeartbeat
from opsdesk.sla.models import SlaClock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("shipped_data")]

TICKETS = 30
KILL_TO_ACKS_AT_MOST = 60  # seconds (DESIGN.md §5)


class SlowMailbox:
    """An SMTP server's handler that keeps who each email went to, taking `delay` seconds
    over each before it answers (a real server's pace, so that a worker can be killed while
    it sends).

    An email is kept as its final "." arrives, as Postfix or Exim keep one whose sender
    hangs up before their "250" (core/mail.py records an email as sent just before that
    "."); aiosmtpd cancels this handler when the client goes, so an email kept only after
    the delay would be dropped by this server alone, though recorded as sent."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.append(list(envelope.rcpt_tos))
        await asyncio.sleep(self.delay)
        return "250 OK"

    def count(self, address: str) -> int:
        return sum(address in rcpt for rcpt in self.recipients)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[SlowMailbox, int]]:
    box = SlowMailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


def _until(condition: Callable[[], bool], seconds: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def _database_url(port: int | None = None) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@127.0.0.1:{port or db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """An `opsdesk worker` process writing its log to a file."""

    def __init__(self, log: Path, *, smtp_port: int, database_port: int | None = None) -> None:
        self.log = log
        env = {**os.environ, "DATABASE_URL": _database_url(database_port),
               "DJANGO_SETTINGS_MODULE": "opsdesk.settings", "OPSDESK_DEBUG": "0",
               "OPSDESK_SMTP_HOST": "127.0.0.1", "OPSDESK_SMTP_PORT": str(smtp_port),
               "OPSDESK_SMTP_STARTTLS": "0", "OPSDESK_AUTO_NOTIFY": "1"}
        with log.open("ab") as out:
            self.process = subprocess.Popen(  # our own command, fixed arguments
                [sys.executable, "-m", "opsdesk.cli", "worker"], env=env, stdout=out,
                stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _expedite_ticket(api: Any, agent: Any, n: int) -> int:
    response = api.as_(agent).post("/api/v1/tickets", {
        "title": f"Exam submission fails for class {n}",
        "requester": {"name": f"Student {n}", "email": f"student{n}@campus.example.edu.vn"},
        "impact": {"affected_users": 60, "blocking": True}})
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _requesters() -> list[str]:
    return [f"student{n}@campus.example.edu.vn" for n in range(TICKETS)]


def test_a_worker_killed_during_a_batch_of_fan_outs_leaves_another_to_acknowledge_each_once(
        api, agent, manager, dev_team, settings, mailbox, tmp_path, capsys):
    box, smtp_port = mailbox
    box.delay = 0.05  # each email takes a while, so the kill lands while it sends
    settings.OPSDESK_AUTO_NOTIFY = True
    ids = [_expedite_ticket(api, agent, n) for n in range(TICKETS)]  # queued, no worker yet
    acknowledged = lambda: sum(box.count(r) > 0 for r in _requesters())  # noqa: E731

    first = Worker(tmp_path / "first.log", smtp_port=smtp_port)
    second = None
    try:
        assert _until(lambda: acknowledged() >= 3, 60, every=0.01), first.output()
        first.process.kill()  # SIGKILL: no handler runs, its claims stay RUNNING
        killed_at = time.monotonic()
        first.process.wait()
        acknowledged_at_kill = acknowledged()
        assert acknowledged_at_kill < TICKETS, "killed too late: every ACK was out"
        assert DBTaskResult.objects.filter(status="RUNNING").exists()

        second = Worker(tmp_path / "second.log", smtp_port=smtp_port)
        assert _until(lambda: acknowledged() == TICKETS, 2 * KILL_TO_ACKS_AT_MOST), \
            second.output()
        seconds = time.monotonic() - killed_at
        assert _until(lambda: not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists(),
                      30), second.output()
    finally:
        first.stop()
        if second is not None:
            second.stop()

    with capsys.disabled():
        print(f"\nkilled with {acknowledged_at_kill}/{TICKETS} ACKs out; all {TICKETS} out "
              f"{seconds:.1f} s after the kill")
    assert seconds < KILL_TO_ACKS_AT_MOST
    assert Counter(box.count(r) for r in _requesters()) == {1: TICKETS}  # once each
    assert box.count(manager.email) == TICKETS  # each manager notice once too
    acks = SlaClock.objects.filter(ticket__in=ids, target="ack")
    assert sorted(acks.values_list("status", flat=True)) == ["met"] * TICKETS
    assert "lease of worker" in second.output()


class DatabaseProxy:
    """A TCP proxy on 127.0.0.1 in front of PostgreSQL that the test cuts (every connection
    dropped, new ones refused) and restores."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = _free_port()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._serving = threading.Event()

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.05)
        self._serving.set()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        self._serving.clear()
        with self._lock:
            for sock in self._open:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()
        time.sleep(0.1)  # the listener is closed by its thread

    def _accept(self, listener: socket.socket) -> None:
        with listener:
            while self._serving.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                upstream = socket.create_connection(self.upstream)
                with self._lock:
                    self._open |= {client, upstream}
                for source, target in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(source, target),
                                     daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def _listening_since(moment) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND query = 'LISTEN opsdesk_jobs' AND backend_start > %s", [moment])
        return bool(cursor.fetchone()[0])


def _seen_since(moment) -> bool:
    return WorkerHeartbeat.objects.filter(last_seen_at__gt=moment, stopped_at=None).exists()


def test_a_worker_cut_off_the_database_for_10_s_carries_on_and_runs_what_was_queued(
        api, agent, settings, mailbox, tmp_path):
    box, smtp_port = mailbox
    settings.OPSDESK_AUTO_NOTIFY = True
    db = connection.settings_dict
    proxy = DatabaseProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    proxy.restore()
    started = timezone.now() - timedelta(seconds=1)
    worker = Worker(tmp_path / "worker.log", smtp_port=smtp_port, database_port=proxy.port)
    try:
        assert _until(lambda: _listening_since(started) and _seen_since(started), 30), \
            worker.output()
        before = send_reply_email.enqueue(message_id=987654)  # no such reply: "skipped"
        assert _until(lambda: DBTaskResult.objects.get(pk=before.id).status == "SUCCESSFUL",
                      10), worker.output()

        proxy.cut()
        time.sleep(2)  # it has found out by now (its heartbeat, at least)
        meanwhile = [_expedite_ticket(api, agent, 0),  # the fan-out job ACKs student0
                     send_reply_email.enqueue(message_id=987655).id]
        time.sleep(8)
        assert worker.process.poll() is None, worker.output()
        restored = timezone.now()
        proxy.restore()

        assert _until(lambda: box.count("student0@campus.example.edu.vn") == 1, 45), \
            worker.output()
        assert _until(lambda: not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists(),
                      15), worker.output()
        assert _until(lambda: _seen_since(restored) and _listening_since(restored), 15), \
            worker.output()
        assert worker.process.poll() is None
        through_the_outage = worker.output()

        proxy.cut()  # a stop signal during an outage still stops it at once
        time.sleep(3)
        worker.process.send_signal(signal.SIGTERM)
        exit_code = worker.process.wait(timeout=15)
    finally:
        worker.stop()
        proxy.cut()
    assert exit_code == 0, worker.output()
    assert len(meanwhile) == 2
    for loop in ("job loop", "heartbeat", "periodic jobs"):  # each said the outage once
        for said in ("the database cannot be reached", "the database answers again"):
            assert through_the_outage.count(f"{loop}: {said}") == 1, through_the_outage
