"""Benchmarks over HTTP: opsdesk's real server (gunicorn, as `opsdesk serve` starts it) and
load generators that only ever talk to loopback, bounded in count and time."""

import http.client
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .harness import RESULTS, Timing

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def fresh_postgres_database(url: str) -> None:
    """Drop and create the database of `url` (a benchmark's own, never the product's)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    assert "bench" in name, f"refusing to drop {name!r}: not a benchmark database"
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class Autovacuum:
    """What PostgreSQL's autovacuum does for a database in use, for a server that has it
    switched off (as this machine's has): every `interval` seconds (the server's
    `autovacuum_naptime`, 60 s by default) while a benchmark runs, one `autovacuum_pass`,
    so the planner learns the tables' sizes as they grow and index-only scans stay
    index-only, as on any production server. Does nothing where autovacuum is on."""

    def __init__(self, url: str, *, interval: float | None = None) -> None:
        self.url, self.interval, self.runs = url, interval, 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "Autovacuum":
        if not autovacuum_on(self.url):
            if self.interval is None:
                self.interval = float(_setting(self.url, "autovacuum_naptime"))  # seconds
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        assert self.interval is not None
        while not self._stop.wait(self.interval):
            autovacuum_pass(self.url)
            self.runs += 1

    def describe(self) -> str:
        if self._thread is None:
            return "the server's own autovacuum"
        return (f"autovacuum is off on this server: its pass (VACUUM, ANALYZE of the tables "
                f"past its thresholds) every {self.interval:g} s instead ({self.runs} runs)")


def autovacuum_on(url: str) -> bool:
    """Whether the PostgreSQL server of `url` runs autovacuum (True for other databases)."""
    if not url.startswith("postgres"):
        return True
    return _setting(url, "autovacuum") == "on"


def _setting(url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT setting FROM pg_settings WHERE name = %s", [name]).fetchone()
    assert row is not None
    return str(row[0])


# Autovacuum's own rule (PostgreSQL 13+), with the server's thresholds and scale factors.
_DUE_TABLES = """
SELECT format('%I.%I', s.schemaname, s.relname),
       s.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float
           + current_setting('autovacuum_vacuum_scale_factor')::float * greatest(c.reltuples, 0)
       OR s.n_ins_since_vacuum > current_setting('autovacuum_vacuum_insert_threshold')::float
           + current_setting('autovacuum_vacuum_insert_scale_factor')::float
             * greatest(c.reltuples, 0),
       s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float
           + current_setting('autovacuum_analyze_scale_factor')::float * greatest(c.reltuples, 0)
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
"""


def autovacuum_pass(url: str) -> int:
    """One pass of autovacuum over the database of `url`, by its own rule: `VACUUM` the tables
    with more dead or newly inserted rows than its thresholds, `ANALYZE` those changed
    enough since they were last analysed; returns how many tables it worked on. (A table
    never changed is left alone: analysing tables still empty, as a plain `VACUUM ANALYZE`
    of a new database does, leaves the planner sure they are empty while they fill up.)"""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        due = [(table, vacuum, analyze)
               for table, vacuum, analyze in conn.execute(_DUE_TABLES).fetchall()
               if vacuum or analyze]
        for table, vacuum, analyze in due:
            conn.execute(f"{'VACUUM ' if vacuum else ''}{'ANALYZE ' if analyze else ''}{table}")
    return len(due)


def machine_busy_s() -> float:
    """CPU-seconds the whole machine has been busy (all processes, all cores)."""
    with open("/proc/stat") as fh:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, fh.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def gunicorn_command(*, bind: str, workers: int, worker_class: str) -> list[str]:
    """`opsdesk serve`'s gunicorn command line, with the worker class made explicit:
    `gthread` is what `opsdesk serve` runs, `sync` what the peer runs."""
    from opsdesk.core.management.commands.serve import gunicorn_argv

    argv = gunicorn_argv(bind=bind, workers=workers)
    if worker_class != "gthread":
        at = argv.index("--worker-class")
        argv[at + 1] = worker_class
        at = argv.index("--threads")
        del argv[at:at + 2]
    return argv


class Server:
    """A gunicorn process tree started by the benchmark and stopped by its own PID."""

    def __init__(self, argv: list[str], *, port: int, env: dict[str, str] | None = None,
                 cwd: str | Path = ROOT, log: Path, ready_path: str = "/healthz") -> None:
        self.port, self.log, self.ready_path = port, log, ready_path
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = log.open("wb")
        self.proc = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **(env or {})},
                                     stdout=self._log_file, stderr=subprocess.STDOUT)

    @classmethod
    def opsdesk(cls, *, workers: int = 2, worker_class: str = "sync",
                env: dict[str, str] | None = None, name: str = "opsdesk") -> "Server":
        port = free_port()
        argv = gunicorn_command(bind=f"{LOOPBACK}:{port}", workers=workers,
                                worker_class=worker_class)
        # Production settings: DEBUG off (its default), persistent connections (default).
        env = {"OPSDESK_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "opsdesk.settings", **(env or {})}
        return cls(argv, port=port, env=env, log=RESULTS / f"{name}-gunicorn.log")

    def __enter__(self) -> "Server":
        self.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log}")
            try:
                conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=5)
                conn.request("GET", self.ready_path)
                if conn.getresponse().status < 500:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the master)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(int(entry.name))
        return sorted(pids)

    def stop(self) -> None:
        _terminate(self.proc)
        self._log_file.close()


class QueueWorker:
    """`opsdesk worker` beside a benchmark's server, as in production: the jobs that
    creating a ticket queues (the fan-out, its emails) are worked while the load runs."""

    def __init__(self, name: str, *, periodic: bool = True) -> None:
        self.log = RESULTS / f"{name}-worker.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("wb")
        env = {**os.environ, "OPSDESK_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "opsdesk.settings"}
        env.pop("OPSDESK_SMTP_HOST", None)  # emails go to the worker's log, not out
        command = [sys.executable, "-m", "opsdesk.cli", "worker",
                   *([] if periodic else ["--no-periodic"])]
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log_file,
                                     stderr=subprocess.STDOUT)

    def __enter__(self) -> "QueueWorker":
        return self

    def __exit__(self, *exc: object) -> None:
        _terminate(self.proc)
        self._log_file.close()


def _terminate(proc: "subprocess.Popen[bytes]") -> None:
    """Stop a process this benchmark started: SIGTERM, then SIGKILL after 30 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def queued_jobs(*, running: bool = False) -> int:
    """Jobs still waiting for a worker (what the worker did not keep up with); `running`:
    and those a worker is running now (a killed worker's claims are queued again once its
    lease runs out, OPSDESK_JOB_LEASE_SECONDS)."""
    from django_tasks_db.models import DBTaskResult

    statuses = ["READY", "RUNNING"] if running else ["READY"]
    return DBTaskResult.objects.filter(status__in=statuses).count()


def drain_queue(*, timeout: float) -> float:
    """Wait (at most `timeout` s) until the running workers have worked off the queue — the
    jobs they are running included — so the next measurement starts without the last
    one's backlog; returns the seconds waited (to a twentieth of a second)."""
    start = time.monotonic()
    while queued_jobs(running=True) and time.monotonic() - start < timeout:
        time.sleep(0.05)
    return time.monotonic() - start


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (as the peer's scripts compute it)."""
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


@dataclass
class LoadResult:
    sent: int = 0
    ok: int = 0
    wall_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    machine_busy_cpu_s: float = 0.0

    @property
    def per_s(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0

    def timing(self, name: str) -> Timing:
        lat = sorted(self.latencies_ms)
        return Timing(name, len(lat), percentile(lat, 50), percentile(lat, 99),
                      statistics.fmean(lat) if lat else float("nan"))

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        return {"sent": self.sent, "ok": self.ok, "wall_s": round(self.wall_s, 2),
                "per_s": round(self.per_s, 1), "p50_ms": round(percentile(lat, 50), 1),
                "p99_ms": round(percentile(lat, 99), 1), "statuses": self.statuses,
                "errors": self.errors, "machine_busy_cpu_s": round(self.machine_busy_cpu_s, 1)}


Request = tuple[str, str, bytes | None]  # method, path, body


def _send(conn: http.client.HTTPConnection, request: Request,
          headers: dict[str, str]) -> tuple[int, bytes]:
    method, path, body = request
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def _record(result: LoadResult, lock: threading.Lock, status: int | str, data: bytes,
            ms: float) -> None:
    with lock:
        result.statuses[str(status)] = result.statuses.get(str(status), 0) + 1
        if isinstance(status, int) and 200 <= status < 300:
            result.ok += 1
            result.latencies_ms.append(ms)
        elif len(result.errors) < 5:
            result.errors.append(f"{status}: {data[:200]!r}")


def closed_loop(port: int, make: Callable[[int], Request], *, count: int, threads: int,
                headers: dict[str, str], duration: float = 300) -> LoadResult:
    """`threads` clients, each sending its next request as soon as the last one is answered,
    until `count` requests were sent or `duration` seconds passed."""
    result, lock = LoadResult(), threading.Lock()
    deadline = time.monotonic() + duration

    def client() -> None:
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                if result.sent >= count:
                    break
                i = result.sent
                result.sent += 1
            request = make(i)
            start = time.perf_counter()
            try:
                status, data = _send(conn, request, headers)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status, data = "exception", repr(exc).encode()
            _record(result, lock, status, data, (time.perf_counter() - start) * 1000)
        conn.close()

    _run_threads(result, [threading.Thread(target=client) for _ in range(threads)])
    return result


def fixed_rate(port: int, make: Callable[[int], Request], *, rate: float, seconds: float,
               headers: dict[str, str], threads: int = 16) -> LoadResult:
    """An open loop: request i is due at start + i / rate whatever the server's pace, and its
    latency counts from that moment (a slow answer delays the next ones: that counts too).
    A server that falls far behind is given up on after twice the planned time: the requests
    still unsent then are left out (`sent` < the planned count)."""
    count = max(1, round(rate * seconds))
    result, lock = LoadResult(), threading.Lock()
    start = time.perf_counter() + 0.05
    give_up = start + max(2 * seconds, seconds + 10)

    def client() -> None:
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
        while True:
            with lock:
                if result.sent >= count or time.perf_counter() > give_up:
                    break
                i = result.sent
                result.sent += 1
            due = start + i / rate
            request = make(i)
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            try:
                status, data = _send(conn, request, headers)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status, data = "exception", repr(exc).encode()
            _record(result, lock, status, data, (time.perf_counter() - due) * 1000)
        conn.close()

    _run_threads(result, [threading.Thread(target=client) for _ in range(threads)])
    return result


def _run_threads(result: LoadResult, threads: list[threading.Thread]) -> None:
    busy = machine_busy_s()
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.wall_s = time.perf_counter() - start
    result.machine_busy_cpu_s = machine_busy_s() - busy


def sequential(port: int, request: Request, *, runs: int, headers: dict[str, str],
               warmup: int = 2, name: str = "") -> Timing:
    """One client, one request after another: p50/p99 of `request`."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=300)
    samples = []
    for n in range(warmup + runs):
        start = time.perf_counter()
        status, data = _send(conn, request, headers)
        ms = (time.perf_counter() - start) * 1000
        if not 200 <= status < 300:
            raise RuntimeError(f"{request[0]} {request[1]} → {status}: {data[:300]!r}")
        if n >= warmup:
            samples.append(ms)
    conn.close()
    samples.sort()
    return Timing(name or f"{request[0]} {request[1]}", runs, percentile(samples, 50),
                  percentile(samples, 99), statistics.fmean(samples))


def json_body(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
