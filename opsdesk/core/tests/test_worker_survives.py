"""Real `opsdesk worker` processes against PostgreSQL: one killed with SIGKILL in the middle
of a batch of fan-outs, whose jobs another worker finishes once their lease runs out (each
requester acknowledged exactly once, within 60 s of the kill)."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django_tasks_db.models import DBTaskResult

from opsdesk.sla.models import SlaClock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("shipped_data")]

TICKETS = 30
KILL_TO_ACKS_AT_MOST = 60  # seconds (DESIGN.md §5)


class SlowMailbox:
    """An SMTP server's handler that keeps who each email went to, taking `delay` seconds
    over each (a real server's pace, so that a worker can be killed while it sends)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        self.recipients.append(list(envelope.rcpt_tos))
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


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@127.0.0.1:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """An `opsdesk worker` process writing its log to a file."""

    def __init__(self, log: Path, *, smtp_port: int) -> None:
        self.log = log
        env = {**os.environ, "DATABASE_URL": _database_url(),
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
