"""Ticket creation over the REST API, through the real server (DESIGN §5: ≥ 300 tickets/s
sustained; p99 < 50 ms at 50 req/s; PostgreSQL, 2 cores).

gunicorn as `opsdesk serve` starts it (2 workers, loopback, DEBUG off, persistent database
connections), on a fresh database of its own. An agent's token POSTs realistic tickets
(English and Vietnamese titles, a requester out of a few hundred, impact with class groups,
tags) from 8 client threads, then at a fixed 50 requests/s. References in the same run: the
same clients against `/healthz` (the server's floor: HTTP, middleware, one query), and bare
INSERTs of the same rows from 8 database connections. The database count is checked after.
"""

import argparse
import random
import threading
import time
from contextlib import ExitStack
from typing import Any

from .harness import Report
from .server import (
    Autovacuum,
    LoadResult,
    QueueWorker,
    Request,
    Server,
    closed_loop,
    drain_queue,
    fixed_rate,
    fresh_postgres_database,
    json_body,
    queued_jobs,
)
from .setup_django import setup

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opsdesk_bench_api"
AGENT = "bench.api@support.example.edu.vn"

TITLES_EN = ("Cannot submit the quiz in {g}", "Video lesson {n} does not play for {g}",
             "Gradebook shows wrong marks for {g}", "Exam page times out for {g}",
             "Students of {g} cannot upload their assignment",
             "Zoom link missing from lesson {n} of {g}")
TITLES_VI = ("Không đăng nhập được LMS - lớp {g}", "Bài kiểm tra không nộp được ({g})",
             "Video bài {n} không phát được cho lớp {g}", "Điểm của lớp {g} bị sai",
             "Học viên lớp {g} không tải được bài tập lên")
DESCRIPTIONS = ("Several students of {g} report the same error since this morning.\n"
                "Steps: open the course, press Submit, the page shows error 500.",
                "Học viên lớp {g} báo lỗi khi bấm Nộp bài, hệ thống hiển thị lỗi 500.\n"
                "Đã thử trên Chrome và Firefox.")
GROUPS = ("WEB101-HN", "WEB102-HN", "DATA101-SG", "MOBILE201-HN", "UX110-DN", "AI301-SG")
TAGS = ("LMS", "video", "login", "exam", "gradebook", "upload", "mobile")
ROLES = ("teacher", "coordinator", "student", "director")
VI_NAMES = ("Nguyễn Thị Hà", "Trần Quốc Bảo", "Lê Ngọc Anh", "Phạm Đức Minh", "Vũ Thu Trang")


def ticket_payload(rng: random.Random, i: int, people: int = 400) -> dict[str, Any]:
    """One realistic ticket as an LMS or a script would POST it."""
    vietnamese = rng.random() < 0.4
    group = rng.choice(GROUPS)
    title = rng.choice(TITLES_VI if vietnamese else TITLES_EN).format(g=group,
                                                                       n=rng.randint(1, 12))
    person = rng.randrange(people)
    groups = [{"name": group, "affected": rng.randint(1, 40)}]
    if rng.random() < 0.3:
        other = rng.choice([g for g in GROUPS if g != group])
        groups.append({"name": other, "affected": rng.randint(1, 40)})
    impact: dict[str, Any] = {"affected_users": sum(g["affected"] for g in groups),
                              "groups": groups, "blocking": rng.random() < 0.3,
                              "scope": "group"}
    if rng.random() < 0.2:
        impact["critical_function"] = "exam submission"
    return {
        "title": f"{title} ({i})",
        "description": rng.choice(DESCRIPTIONS).format(g=group),
        "requester": {"name": f"{rng.choice(VI_NAMES)} {person}",
                      "email": f"person{person}@campus.example.edu.vn",
                      "role": rng.choice(ROLES)},
        "channel": "api",
        "language": "vi" if vietnamese else "en",
        "tags": rng.sample(TAGS, rng.randint(1, 3)),
        "impact": impact,
    }


def payloads(count: int, seed: int, start: int = 0) -> list[bytes]:
    rng = random.Random(seed)
    return [json_body(ticket_payload(rng, start + i)) for i in range(count)]


def agent_token() -> str:
    """A desk agent and a fresh API token for it (what `opsdesk token create` prints)."""
    from opsdesk.accounts.models import Role, User
    from opsdesk.accounts.services import create_token, create_user

    agent = User.objects.filter(email=AGENT).first() or create_user(
        email=AGENT, role=Role.AGENT, name="Bench API client")
    return create_token(user=agent, name="benchmark")[1]


def bare_inserts(url: str, bodies: list[bytes], threads: int) -> LoadResult:
    """Reference: one INSERT per row of the same JSON, 8 connections, autocommit."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_bare_ticket")
        conn.execute("CREATE TABLE bench_bare_ticket (id bigserial PRIMARY KEY, "
                     "title text, body jsonb, created_at timestamptz DEFAULT now())")
    result, lock = LoadResult(), threading.Lock()

    def client() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            while True:
                with lock:
                    if result.sent >= len(bodies):
                        return
                    i = result.sent
                    result.sent += 1
                start = time.perf_counter()
                conn.execute("INSERT INTO bench_bare_ticket (title, body) VALUES (%s, %s)",
                             [f"ticket {i}", bodies[i].decode()])
                with lock:
                    result.ok += 1
                    result.latencies_ms.append((time.perf_counter() - start) * 1000)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    start = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    result.wall_s = time.perf_counter() - start
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_bare_ticket")
    return result



def run(argv: list[str]) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench api-create")
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="A PostgreSQL database of the benchmark's own (recreated).")
    parser.add_argument("--keep-data", action="store_true",
                        help="Reuse the database instead of starting from an empty one.")
    parser.add_argument("--count", type=int, default=1000, help="Tickets in the throughput run.")
    parser.add_argument("--duration", type=float, default=120,
                        help="At most this many seconds for the throughput run.")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="gthread", choices=("sync", "gthread"),
                        help="gthread: as `opsdesk serve` runs (the default); sync: as the peer "
                        "runs")
    parser.add_argument("--queue-workers", type=int, default=1,
                        help="`opsdesk worker` processes beside the server")
    parser.add_argument("--rate", type=float, default=50.0, help="Fixed-rate mode, req/s.")
    parser.add_argument("--rate-seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--drain-seconds", type=float, default=300, help="at most this long "
                        "for the worker to catch up between the throughput and fixed-rate runs")
    args = parser.parse_args(argv)

    import os

    os.environ["DATABASE_URL"] = args.database_url
    if not args.keep_data and args.database_url.startswith("postgres"):
        fresh_postgres_database(args.database_url)
    vendor = setup(args.database_url)

    from django.db import connections

    from opsdesk.tickets.models import Ticket

    token = agent_token()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Accept": "application/json"}
    warm = payloads(args.warmup, seed=1, start=10**6)
    bodies = payloads(args.count, seed=2)
    rate_bodies = payloads(round(args.rate * args.rate_seconds), seed=3, start=2 * 10**6)
    connections.close_all()

    def post(batch: list[bytes]) -> Any:
        return lambda i: ("POST", "/api/v1/tickets", batch[i])

    healthz: Request = ("GET", "/healthz", None)
    before = Ticket.objects.count()
    with Server.opsdesk(workers=args.workers, worker_class=args.worker_class,
                        name="api-create") as server, ExitStack() as queue_workers, \
            Autovacuum(args.database_url) as autovacuum:
        for n in range(args.queue_workers):
            queue_workers.enter_context(QueueWorker(f"api-create-{n + 1}" if n else "api-create"))
        warmed = closed_loop(server.port, post(warm), count=len(warm), threads=1,
                             headers=headers)
        floor = closed_loop(server.port, lambda i: healthz, count=args.count,
                            threads=args.threads, headers=headers)
        load = closed_loop(server.port, post(bodies), count=len(bodies), threads=args.threads,
                           headers=headers, duration=args.duration)
        after_load = queued_jobs(running=True)
        drained_s = drain_queue(timeout=args.drain_seconds)
        drained = queued_jobs(running=True) == 0
        paced = fixed_rate(server.port, post(rate_bodies), rate=args.rate,
                           seconds=args.rate_seconds, headers=headers)
    created = Ticket.objects.count() - before
    left = queued_jobs()
    connections.close_all()
    bare = bare_inserts(args.database_url, bodies, args.threads) \
        if vendor == "postgresql" else None

    expected = warmed.ok + load.ok + paced.ok
    timings = [floor.timing(f"reference: GET /healthz, {args.threads} clients"),
               load.timing(f"POST /api/v1/tickets, {args.threads} clients"),
               paced.timing(f"POST /api/v1/tickets at {args.rate:g} req/s")]
    if bare is not None:
        timings.insert(0, bare.timing(f"reference: bare INSERT, {args.threads} connections"))
    report = Report(
        benchmark="api-create",
        setup={"database": vendor, "server": f"gunicorn, {args.workers} {args.worker_class} "
               f"workers, 127.0.0.1, DEBUG off", "clients": args.threads,
               "tickets per second": round(load.per_s, 1),
               "tickets per second, answered and fanned out (the throughput run and the "
               "worker's backlog after it)": round(load.ok / (load.wall_s + drained_s), 1)
               if drained else f"not drained in {args.drain_seconds:g} s",
               "queue worker": f"{args.queue_workers} × `opsdesk worker` beside the server "
               "(fan-out, emails); "
               f"jobs it had not reached after the throughput run: {after_load} (then "
               f"{drained_s:.1f} s to work them off before the fixed-rate run), at the end: "
               f"{left}",
               "healthz requests per second": round(floor.per_s, 1),
               "vacuum and statistics": autovacuum.describe(),
               "bare inserts per second": round(bare.per_s, 1) if bare else None,
               f"fixed rate achieved (req/s, target {args.rate:g})":
                   f"{paced.ok / paced.wall_s:.1f} ({paced.sent} of {len(rate_bodies)} "
                   "planned requests sent)",
               "throughput run": load.summary(), "fixed-rate run": paced.summary(),
               "database check": f"{created} tickets created, {expected} answered 2xx: "
                                 f"{'OK' if created == expected else 'MISMATCH'}"},
        timings=timings,
        ratios={"tickets/s ÷ healthz requests/s": load.per_s / floor.per_s},
    )
    if bare is not None:
        report.ratios["tickets/s ÷ bare inserts/s"] = load.per_s / bare.per_s
    report.verdicts["≥ 300 tickets/s sustained"] = (
        "met" if load.per_s >= 300 else f"MISSED ({load.per_s:.0f}/s)")
    p99 = paced.timing("").p99_ms
    report.verdicts[f"p99 < 50 ms at {args.rate:g} req/s"] = (
        "met" if p99 < 50 else f"MISSED ({p99:.0f} ms)")
    if created != expected or load.ok != load.sent or paced.ok != paced.sent:
        report.verdicts["errors"] = f"{load.statuses} {paced.statuses} {load.errors[:2]}"
    return report

