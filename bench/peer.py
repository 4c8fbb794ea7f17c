"""opsdesk and django-helpdesk 2.6.1 side by side, in one run, on the same PostgreSQL, with
the same clients and server settings (DESIGN §5: opsdesk at least the peer's throughput on
API ticket creation while doing more, ≥ 2× on email ingestion in one process).

The peer is set up and measured by its own scripts (`setup.sh`, `bench_create.py`,
`bench_email.py` in the folder given by --peer-dir, by default the shared
`peers/django-helpdesk/`); the same scripts drive opsdesk: `bench_create.py --no-server`
against opsdesk's gunicorn, `bench_email.py --ingest-cmd 'opsdesk mail ingest-dir …'`.
Repetitions alternate between the two products, so a burst of load from elsewhere on the
machine falls on both; what an opsdesk repetition leaves to its worker (the fan-out of its
tickets) is worked off, untimed, before the next one starts. That worker works the task
queue only (`--no-periodic`): the SLA warnings and breaches that the tickets of earlier
repetitions, left open, run into minutes later are not the work of the one being timed,
and the peer has none. Then both databases are
topped up to --read-tickets tickets (bulk inserts) and one client reads one ticket and a
list page of 50 from each API.
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .harness import RESULTS, Report, Timing
from .server import (
    LOOPBACK,
    Autovacuum,
    QueueWorker,
    Server,
    autovacuum_on,
    autovacuum_pass,
    drain_queue,
    free_port,
    fresh_postgres_database,
    queued_jobs,
    sequential,
)
from .setup_django import setup

DEFAULT_PEER_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "peers" / \
    "django-helpdesk"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opsdesk_bench_peer"
DH_VENV = Path(os.environ.get("DH_VENV", "/tmp/dh-venv"))
DH_PROJECT = Path(os.environ.get("DH_PROJECT", "/tmp/dh-project"))
PEER_URL = "postgres://postgres@127.0.0.1:5432/" + os.environ.get("DH_PG_NAME", "dhbench")
OUT = RESULTS / "peer"

# What bench_create.py POSTs to opsdesk: a ticket as an LMS would send it, one new requester
# per ticket as the peer gets a new submitter_email per ticket ("{i}" = request index).
OPSDESK_PAYLOAD = json.dumps({
    "title": "Không nộp được bài kiểm tra - lớp WEB102-HN ({i})",
    "description": "Students of WEB102-HN see an error when they press Submit.\n"
                   "Học viên lớp WEB102-HN không nộp được bài.",
    "requester": {"name": "Teacher {i}", "email": "teacher{i}@campus.example.edu.vn",
                  "role": "teacher"},
    "language": "vi", "tags": ["exam", "LMS"],
    "impact": {"affected_users": 25, "groups": [{"name": "WEB102-HN", "affected": 25}],
               "blocking": True, "scope": "group"},
}, ensure_ascii=False)

PEER_TOP_UP = """
from helpdesk.models import Queue, Ticket
queue = Queue.objects.get(slug="support")
need = {target} - Ticket.objects.count()
Ticket.objects.bulk_create([Ticket(queue=queue, title=f"Bulk ticket {{i}}",
    description="Generated for the read benchmark.", submitter_email=f"bulk{{i}}@example.com",
    priority=3) for i in range(max(0, need))], batch_size=2000)
print("RESULT", Ticket.objects.count(), Ticket.objects.order_by("id").values_list("id",
      flat=True)[Ticket.objects.count() // 2])
"""


def _run(cmd: list[str], *, log: Path, cwd: Path | None = None,
         env: dict[str, str] | None = None, timeout: float = 1800) -> str:
    """Run a command, keep its output in `log`, fail loudly with its tail."""
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    proc = subprocess.run(cmd, cwd=cwd, env={**base, **(env or {})}, text=True,
                          capture_output=True, timeout=timeout)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as fh:
        fh.write(f"$ {shlex.join(cmd)}\n{proc.stdout}{proc.stderr}\n")
    if proc.returncode:
        raise RuntimeError(f"{shlex.join(cmd)} failed ({proc.returncode}):\n"
                           f"{proc.stderr[-2000:] or proc.stdout[-2000:]}")
    return proc.stdout


def _median(reps: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in reps)


def run(argv: list[str]) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench peer")
    parser.add_argument("--peer-dir", type=Path, default=DEFAULT_PEER_DIR,
                        help="django-helpdesk's setup and benchmark scripts")
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="opsdesk's database for this run (recreated)")
    parser.add_argument("--opsdesk-worker-class", default="gthread", choices=("sync", "gthread"),
                        help="opsdesk's gunicorn workers for creation: gthread, as `opsdesk "
                        "serve` runs (4 threads each; the default), or sync, as the peer runs")
    parser.add_argument("--drain-seconds", type=float, default=600, help="at most this long "
                        "for opsdesk's worker to work off a repetition's backlog before the next")
    parser.add_argument("--skip-setup", action="store_true",
                        help="Reuse both databases as they are (no setup.sh, no recreate).")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--create-count", type=int, default=1000, help="tickets per rep")
    parser.add_argument("--create-reps", type=int, default=2)
    parser.add_argument("--email-count", type=int, default=500, help="messages per rep")
    parser.add_argument("--email-reps", type=int, default=2)
    parser.add_argument("--email-jobs", type=int, default=2,
                        help="also time opsdesk's `ingest-dir --jobs N` (1: do not)")
    parser.add_argument("--read-tickets", type=int, default=10_000)
    parser.add_argument("--read-runs", type=int, default=8)
    parser.add_argument("--skip", action="append", default=[],
                        choices=("create", "email", "read"), help="Leave a part out.")
    args = parser.parse_args(argv)
    peer_dir: Path = args.peer_dir.resolve()
    if not (peer_dir / "bench_create.py").exists():
        raise SystemExit(f"No peer scripts in {peer_dir} (--peer-dir)")
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / "peer.log"
    log.write_text("")
    started = time.monotonic()

    # 1. Both products on empty databases of their own, same PostgreSQL cluster.
    os.environ["DATABASE_URL"] = args.database_url
    if not args.skip_setup:
        _run(["bash", str(peer_dir / "setup.sh")], log=log,
             env={"DH_DB": "postgres", "DH_RESET": "1"}, timeout=900)
        fresh_postgres_database(args.database_url)
    setup(args.database_url)

    from django.db import connections

    from opsdesk.tickets.models import Ticket

    from .api_create import agent_token

    token = agent_token()
    peer_info = json.loads((DH_PROJECT / "bench.postgres.json").read_text())
    connections.close_all()

    report = Report(benchmark="peer", setup={
        "peer": f"django-helpdesk 2.6.1 ({peer_dir})", "database": "PostgreSQL, both",
        "server": f"gunicorn, {args.workers} workers each, 127.0.0.1, DEBUG off; sync for the "
                  f"peer, {args.opsdesk_worker_class} for opsdesk's creation runs",
        "vacuum and statistics": "where the server runs without autovacuum, its pass (the "
                                 "tables past its thresholds vacuumed, analysed) before and "
                                 "every naptime during each repetition, both products",
        "worker timers": "none during the runs (`opsdesk worker --no-periodic`); the duplicate "
                         "index's five-minute term recount run before each of opsdesk's "
                         "repetitions",
        "clients": args.threads})
    figures: dict[str, Any] = {}

    if "create" not in args.skip:
        figures["create"] = _create(args, peer_dir, token, log, Ticket)
    if "email" not in args.skip:
        figures["email"] = _email(args, peer_dir, log, Ticket)
    if "read" not in args.skip:
        figures["read"] = _read(args, token, peer_info, log)

    _summarise(report, figures)
    report.setup["details"] = {part: {k: [asdict(t) if isinstance(t, Timing) else t
                                          for t in v] if isinstance(v, list) else v
                                      for k, v in value.items()}
                               for part, value in figures.items()}
    report.setup["minutes"] = round((time.monotonic() - started) / 60, 1)
    return report


def _create(args: argparse.Namespace, peer_dir: Path, token: str, log: Path,
            ticket_model: Any) -> dict[str, Any]:
    """API ticket creation: bench_create.py against each product, reps alternating."""
    common = ["--count", str(args.create_count), "--threads", str(args.threads), "--reps", "1"]
    peer_reps, ours_reps = [], []
    for rep in range(1, args.create_reps + 1):
        out = OUT / f"create-peer-{rep}.json"
        with _as_autovacuum_would(PEER_URL):
            _run([sys.executable, str(peer_dir / "bench_create.py"), "--db", "postgres",
                  "--workers", str(args.workers), *common, "--json", str(out)], log=log)
        peer_reps += json.loads(out.read_text())["reps"]

        out = OUT / f"create-opsdesk-{rep}.json"
        recount = _recount_terms()
        before = ticket_model.objects.count()
        with _as_autovacuum_would(args.database_url), \
                Server.opsdesk(workers=args.workers, worker_class=args.opsdesk_worker_class,
                               name="peer-opsdesk") as server, \
                QueueWorker("peer-opsdesk", periodic=False):
            _run([sys.executable, str(peer_dir / "bench_create.py"), "--no-server",
                  "--url", f"http://{LOOPBACK}:{server.port}/api/v1/tickets",
                  "--header", f"Authorization: Bearer {token}", "--payload", OPSDESK_PAYLOAD,
                  *common, "--json", str(out)], log=log)
            backlog = _work_off(args)
        result = json.loads(out.read_text())["reps"][0]
        result["db_tickets_created"] = ticket_model.objects.count() - before
        result["term_recount_s"] = recount
        warmup = 20  # bench_create.py's untimed warm-up POSTs, which create tickets too
        result["db_check_ok"] = result["db_tickets_created"] == result["ok"] + warmup
        result["worker_backlog"] = backlog
        ours_reps.append(result)
    from django.db import connections

    connections.close_all()
    return {"peer": peer_reps, "opsdesk": ours_reps}


def _work_off(args: argparse.Namespace) -> dict[str, float]:
    """What a repetition left queued or running, worked off by the worker that ran beside it
    before the next one starts (so that none competes with the one before); how much it
    was and how long it took."""
    jobs = queued_jobs(running=True)
    seconds = drain_queue(timeout=args.drain_seconds)
    return {"jobs": jobs, "seconds": round(seconds, 2), "left": queued_jobs(running=True)}


@contextmanager
def _as_autovacuum_would(url: str) -> Iterator[None]:
    """Around each product's repetition, what autovacuum would do on a database in use
    (this machine's PostgreSQL runs without it): its pass before, and every naptime during
    the repetition; the same for both products."""
    if not autovacuum_on(url):
        autovacuum_pass(url)
    with Autovacuum(url):
        yield


def _recount_terms() -> float:
    """Before each of opsdesk's repetitions, the duplicate index's term recount its worker
    runs every five minutes (the benchmark's workers run without timers, so that earlier
    repetitions' SLA warnings stay out of the timing); returns the seconds it took."""
    from opsdesk.duplicates.services import refresh_frequencies

    started = time.perf_counter()
    refresh_frequencies()
    return round(time.perf_counter() - started, 3)


def _email(args: argparse.Namespace, peer_dir: Path, log: Path,
           ticket_model: Any) -> dict[str, Any]:
    """Email ingestion: bench_email.py's messages, the peer's get_email, `opsdesk mail
    ingest-dir` (a fresh process each time: both figures include start-up)."""
    opsdesk = Path(sys.executable).with_name("opsdesk")
    maildir = Path("/tmp/opsdesk-bench-maildir/")
    common = ["--count", str(args.email_count), "--reps", "1"]
    peer_reps: list[dict[str, Any]] = []
    ours: dict[int, list[dict[str, Any]]] = {jobs: [] for jobs in {1, args.email_jobs}}
    for rep in range(1, args.email_reps + 1):
        out = OUT / f"email-peer-{rep}.json"
        with _as_autovacuum_would(PEER_URL):
            _run([sys.executable, str(peer_dir / "bench_email.py"), "--db", "postgres",
                  *common, "--json", str(out)], log=log)
        peer_reps += json.loads(out.read_text())["reps"]
        for jobs, reps in ours.items():
            out = OUT / f"email-opsdesk-{rep}-jobs{jobs}.json"
            before = ticket_model.objects.count()
            recount = _recount_terms()
            command = (f"{shlex.quote(str(opsdesk))} mail ingest-dir --delete --jobs {jobs} "
                       "{dir} > /dev/null")
            with _as_autovacuum_would(args.database_url), \
                    QueueWorker(f"peer-email-jobs{jobs}", periodic=False):
                _run([sys.executable, str(peer_dir / "bench_email.py"), "--maildir",
                      str(maildir), "--ingest-cmd", command, *common, "--json", str(out)],
                     log=log)
                backlog = _work_off(args)
            result = json.loads(out.read_text())["reps"][0]
            result["created"] = ticket_model.objects.count() - before
            result["term_recount_s"] = recount
            result["check_ok"] = (result["created"] == args.email_count
                                  and not result["files_left"])
            result["worker_backlog"] = backlog
            reps.append(result)
    from django.db import connections

    connections.close_all()
    return {"peer": peer_reps, "opsdesk": ours[1], "opsdesk_jobs": ours[args.email_jobs],
            "jobs": args.email_jobs}


def _read(args: argparse.Namespace, token: str, peer_info: dict[str, Any],
          log: Path) -> dict[str, Any]:
    """One ticket and a list page of 50 at --read-tickets tickets, one client, p50/p99."""
    from django.db import connection

    from opsdesk.tickets.models import Ticket

    from .generate import many_tickets

    need = args.read_tickets - Ticket.objects.count()
    if need > 0:  # many_tickets(n) ensures n generated tickets: count those already there
        generated = Ticket.objects.filter(created_by__email__startswith="bench.agent").count()
        many_tickets(generated + need)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = Ticket.objects.count()
    middle = Ticket.objects.order_by("pk").values_list("pk", flat=True)[total // 2]
    connection.close()
    out = _run([str(DH_VENV / "bin" / "python"), "manage.py", "shell", "--no-imports", "-c",
                PEER_TOP_UP.format(target=args.read_tickets)], cwd=DH_PROJECT, log=log,
               env={"DH_DB": "postgres"})
    peer_total, peer_middle = (int(v) for v in out.split("RESULT", 1)[1].split())

    ours_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with Server.opsdesk(workers=args.workers, worker_class="gthread",
                        name="peer-opsdesk") as server:
        ours = [sequential(server.port, ("GET", f"/api/v1/tickets/{middle}", None),
                           runs=args.read_runs, headers=ours_headers,
                           name=f"opsdesk: GET one ticket ({total:,} tickets)"),
                sequential(server.port, ("GET", "/api/v1/tickets?limit=50", None),
                           runs=args.read_runs, headers=ours_headers,
                           name="opsdesk: GET list page of 50")]
    port = free_port()
    peer_headers = {"Authorization": f"Token {peer_info['token']}", "Accept": "application/json"}
    peer_server = Server([str(DH_VENV / "bin" / "gunicorn"), "dhproj.wsgi:application", "-w",
                          str(args.workers), "-b", f"{LOOPBACK}:{port}", "--timeout", "300"],
                         port=port, cwd=DH_PROJECT,
                         env={"DH_DB": "postgres", "DJANGO_SETTINGS_MODULE": "dhproj.settings"},
                         log=OUT / "peer-gunicorn.log", ready_path="/helpdesk/api/")
    with peer_server:
        peer = [sequential(port, ("GET", f"/helpdesk/api/tickets/{peer_middle}/", None),
                           runs=args.read_runs, headers=peer_headers, warmup=1,
                           name=f"peer: GET one ticket ({peer_total:,} tickets)"),
                sequential(port, ("GET", "/helpdesk/api/tickets/?page_size=50", None),
                           runs=args.read_runs, headers=peer_headers, warmup=1,
                           name="peer: GET list page of 50")]
    return {"opsdesk_tickets": total, "peer_tickets": peer_total, "opsdesk": ours,
            "peer": peer}


def _cpu_ms(reps: list[dict[str, Any]], done: str) -> float:
    """Median CPU-milliseconds the whole machine spent a ticket or message during the timed
    runs (server or ingest, database, opsdesk's worker beside, client): work, not speed."""
    return round(statistics.median(r["machine_busy_cpu_s"] * 1000 / r[done] for r in reps), 1)


def _summarise(report: Report, figures: dict[str, Any]) -> None:
    for part, summarise in (("create", _summarise_create), ("email", _summarise_email),
                            ("read", _summarise_read)):
        if part in figures:
            summarise(report, figures[part])


def _summarise_create(report: Report, figures: dict[str, Any]) -> None:
    peer, ours = figures["peer"], figures["opsdesk"]
    row = {key: (_median(ours, key), _median(peer, key))
           for key in ("tickets_per_s", "p50_ms", "p99_ms")}
    report.setup["API create, tickets/s (opsdesk | peer)"] = row["tickets_per_s"]
    report.setup["API create, per rep (opsdesk | peer)"] = (
        [r["tickets_per_s"] for r in ours], [r["tickets_per_s"] for r in peer])
    report.setup["opsdesk worker's backlog after each creation rep (jobs, s)"] = [
        (r["worker_backlog"]["jobs"], r["worker_backlog"]["seconds"]) for r in ours]
    report.setup["API create, database checks"] = (
        f"opsdesk {'OK' if all(r['db_check_ok'] for r in ours) else 'MISMATCH'}, "
        f"peer {'OK' if all(r.get('db_check_ok') for r in peer) else 'MISMATCH'}")
    report.timings += [
        Timing(f"{who}: POST a ticket, {len(reps)} × {reps[0]['ok']}", sum(r["ok"] for r in
               reps), _median(reps, "p50_ms"), _median(reps, "p99_ms"),
               _median(reps, "mean_ms")) for who, reps in (("opsdesk", ours), ("peer", peer))]
    for key, (a, b) in row.items():
        report.ratios[f"create {key} opsdesk ÷ peer"] = a / b
    cpu = (_cpu_ms(ours, "ok"), _cpu_ms(peer, "ok"))
    report.setup["API create, machine CPU a ticket during the run, ms (opsdesk | peer)"] = cpu
    report.ratios["create machine CPU a ticket opsdesk ÷ peer"] = cpu[0] / cpu[1]
    ratio = row["tickets_per_s"][0] / row["tickets_per_s"][1]
    report.verdicts["opsdesk ≥ peer, API creation (DESIGN §5)"] = \
        "met" if ratio >= 1 else f"MISSED ({ratio:.2f}×)"


def _summarise_email(report: Report, figures: dict[str, Any]) -> None:
    peer, ours = figures["peer"], figures["opsdesk"]
    a, b = _median(ours, "msgs_per_s_incl_startup"), _median(peer, "msgs_per_s_incl_startup")
    report.setup["email, messages/s incl. start-up (opsdesk | peer)"] = (a, b)
    report.setup["email, peer messages/s without start-up"] = _median(peer, "msgs_per_s")
    parallel = figures.get("opsdesk_jobs", [])
    for r in ours + parallel:  # the peer sends its mail in the ingest; opsdesk's worker
        r["msgs_per_s_with_fan_out"] = round(  # does it, beside and after the ingest
            r["created"] / (r["wall_s"] + r["worker_backlog"]["seconds"]), 2)
    fanned = _median(ours, "msgs_per_s_with_fan_out")
    report.setup["email, opsdesk messages/s with its fan-out worked off after"] = fanned
    report.setup["email, checks"] = (
        f"opsdesk {'OK' if all(r['check_ok'] for r in ours) else 'MISMATCH'}, "
        f"opsdesk --jobs {'OK' if all(r['check_ok'] for r in parallel) else 'MISMATCH'}, "
        f"peer {'OK' if all(r.get('check_ok') for r in peer) else 'MISMATCH'}")
    report.ratios["email messages/s opsdesk ÷ peer"] = a / b
    cpu = (_cpu_ms(ours, "created"), _cpu_ms(peer, "created"))
    report.setup["email, machine CPU a message during the run, ms (opsdesk | peer)"] = cpu
    report.ratios["email machine CPU a message opsdesk ÷ peer"] = cpu[0] / cpu[1]
    report.ratios["email messages/s with the fan-out opsdesk ÷ peer"] = fanned / b
    # Judged with the fan-out: the peer's ingest sends its own mail.
    report.verdicts["opsdesk ≥ 2× peer, email ingestion (one process each)"] = \
        "met" if fanned / b >= 2 else f"MISSED ({fanned / b:.2f}×)"
    jobs = figures.get("jobs", 1)
    if jobs > 1:
        c = _median(parallel, "msgs_per_s_incl_startup")
        d = _median(parallel, "msgs_per_s_with_fan_out")
        report.setup[f"email, opsdesk with --jobs {jobs}, messages/s incl. start-up"] = c
        report.setup[f"email, opsdesk with --jobs {jobs}, with its fan-out"] = d
        report.ratios[f"email messages/s opsdesk --jobs {jobs} ÷ peer"] = c / b
        report.ratios[f"email messages/s with the fan-out, --jobs {jobs} ÷ peer"] = d / b
        report.verdicts[f"opsdesk ≥ 2× peer, email ingestion (opsdesk --jobs {jobs})"] = \
            "met" if d / b >= 2 else f"MISSED ({d / b:.2f}×)"


def _summarise_read(report: Report, figures: dict[str, Any]) -> None:
    report.timings += figures["opsdesk"] + figures["peer"]
    for n, what in enumerate(("one ticket", "list page")):
        ours, peer = figures["opsdesk"][n], figures["peer"][n]
        # opsdesk ÷ peer rounds to 0.00 here: print how many times faster instead
        report.ratios[f"read {what} p50 peer ÷ opsdesk"] = peer.p50_ms / ours.p50_ms
        report.ratios[f"read {what} p99 peer ÷ opsdesk"] = peer.p99_ms / ours.p99_ms
