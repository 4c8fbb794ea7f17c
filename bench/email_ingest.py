"""Email ingestion: 10,000 generated messages into tickets (DESIGN §5: ≥ 200 messages/s on
PostgreSQL), next to a bare insert of the same raw messages in the same run.

The mix is realistic: about 70 % new requests (English and Vietnamese), 20 % replies that
thread onto a ticket by its [#ref] tag, 5 % auto-replies and 5 % duplicates.
"""

import argparse
import os
import random
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from .harness import Report, Timing
from .server import fresh_postgres_database
from .setup_django import setup

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opsdesk_bench_email"
WARM_UP = 200

SUBJECTS = ("Cannot submit the quiz in {g}", "Video lesson {n} does not play for {g}",
            "Không đăng nhập được LMS - lớp {g}", "Bài kiểm tra không nộp được ({g})",
            "Gradebook shows wrong marks for {g}")
BODIES = ("Hello,\n\nStudents in {g} see an error when they press Submit.\n\nThanks,\n{name}",
          "Chào anh chị,\n\nHọc viên lớp {g} không nộp được bài, hệ thống báo lỗi.\n\n{name}")
GROUPS = ("WEB101-HN", "WEB102-HN", "DATA101-SG", "MOBILE201-HN", "UX110-DN")


def _message(rng: random.Random, n: int, refs: list[int], sent: list[bytes]) -> bytes:
    roll = rng.random()
    if sent and roll < 0.05:
        return rng.choice(sent)  # the same message again (a retried delivery)
    message = EmailMessage()
    name = f"Teacher {n % 500}"
    message["From"] = f"{name} <teacher{n % 500}@campus.example.edu.vn>"
    message["To"] = "support@opsdesk.example.edu.vn"
    message["Message-ID"] = make_msgid(domain="campus.example.edu.vn")
    message["Date"] = format_datetime(__import__("datetime").datetime.now().astimezone())
    group = rng.choice(GROUPS)
    subject = rng.choice(SUBJECTS).format(g=group, n=rng.randint(1, 12))
    if refs and roll < 0.25:
        subject = f"Re: [#{rng.choice(refs):05d}] {subject}"
    if roll > 0.95:
        message["Auto-Submitted"] = "auto-replied"
        subject = f"Out of office: {subject}"
    message["Subject"] = subject
    message.set_content(rng.choice(BODIES).format(g=group, name=name))
    return message.as_bytes()


def run(argv: list[str]) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench email-ingest")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=1, help="above 1: the messages are "
                        "written to a directory and read by `ingest_directory` in this many "
                        "processes (PostgreSQL), as `opsdesk mail ingest-dir --jobs N`")
    parser.add_argument("--database-url", default=os.environ.get(
        "OPSDESK_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--one-by-one", action="store_true",
                        help="each message in its own transaction (`ingest_email`, as `opsdesk "
                        "mail ingest` does), instead of a hundred at a time (`ingest_many`)")
    parser.add_argument("--keep-data", action="store_true",
                        help="keep what earlier runs ingested (default: a fresh database)")
    args = parser.parse_args(argv)
    if not args.keep_data and args.database_url.startswith("postgres"):
        fresh_postgres_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    vendor = setup(args.database_url)

    from django.db import connection

    from opsdesk.inbound.batch import BATCH_SIZE, ingest_batch
    from opsdesk.inbound.models import InboundEmail
    from opsdesk.inbound.services import ingest_email
    from opsdesk.tickets.models import Ticket

    rng = random.Random(5)
    for n in range(WARM_UP):  # untimed: tickets for the replies to thread onto, warm caches
        ingest_email(raw=_message(rng, 100_000 + n, [], []), mailbox="warm-up")
    _run_fan_outs()  # the warm-up's: untimed
    refs = list(Ticket.objects.order_by("-pk").values_list("pk", flat=True)[:WARM_UP])
    raws: list[bytes] = []
    for n in range(args.messages):
        raws.append(_message(rng, n, refs, raws))

    inserts = []
    with connection.cursor() as cursor:  # reference: store the same bytes, nothing else
        cursor.execute("CREATE TEMPORARY TABLE bench_raw (id serial, raw bytea)" if vendor ==
                       "postgresql" else "CREATE TEMPORARY TABLE bench_raw (id integer "
                       "PRIMARY KEY, raw blob)")
        for raw in raws:
            one = time.perf_counter()
            cursor.execute("INSERT INTO bench_raw (raw) VALUES (%s)", [raw])
            inserts.append((time.perf_counter() - one) * 1000)
    bare = sum(inserts) / 1000
    inserts.sort()

    outcomes: dict[str, int] = {}
    latencies = []
    start = time.perf_counter()
    if args.jobs > 1:
        outcomes = _ingest_in_parallel(raws, args.jobs)
    for raw in raws if args.jobs == 1 and args.one_by_one else []:
        one = time.perf_counter()
        outcome = ingest_email(raw=raw).outcome
        latencies.append((time.perf_counter() - one) * 1000)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    batched = args.jobs == 1 and not args.one_by_one
    for first in range(0, len(raws), BATCH_SIZE) if batched else []:
        one = time.perf_counter()
        batch = ingest_batch(raws=raws[first:first + BATCH_SIZE])
        latencies += [(time.perf_counter() - one) * 1000 / len(batch)] * len(batch)
        for inbound in batch:
            outcomes[inbound.outcome] = outcomes.get(inbound.outcome, 0) + 1
    elapsed = time.perf_counter() - start
    latencies = latencies or [elapsed / len(raws) * 1000 * args.jobs]  # parallel: mean only
    fan_outs, fan_out_s = _run_fan_outs()
    latencies.sort()
    rate, bare_rate = len(raws) / elapsed, len(raws) / bare
    report = Report(
        benchmark="email-ingest",
        setup={"database": vendor, "messages": len(raws), "outcomes": outcomes,
               "tickets before the run (replies thread onto them)": len(refs),
               "processes": args.jobs,
               "read": "one by one" if args.one_by_one else f"{BATCH_SIZE} at a time",
               "stored originals": InboundEmail.objects.count()},
        timings=[Timing("reference: bare INSERT of each raw message", len(raws),
                        inserts[len(inserts) // 2], inserts[int(0.99 * len(inserts))],
                        bare / len(raws) * 1000),
                 Timing("ingest one message (parse, thread, ticket)"
                        + (f", {args.jobs} processes (mean per process)" if args.jobs > 1
                           else "" if args.one_by_one else
                           f", {BATCH_SIZE} at a time (each batch's mean)"), len(raws),
                        latencies[len(latencies) // 2], latencies[int(0.99 * len(latencies))],
                        elapsed / len(raws) * 1000)],
        ratios={"ingest / bare insert (time)": bare_rate / rate},
    )
    report.setup["messages per second"] = round(rate, 1)
    report.setup["fan-out jobs queued, then run here one by one"] = fan_outs
    report.setup["messages per second, counting the fan-out jobs' time too"] = round(
        len(raws) / (elapsed + fan_out_s), 1)
    report.setup["bare inserts per second"] = round(bare_rate, 1)
    report.verdicts["≥ 200 messages/s"] = "met" if rate >= 200 else f"MISSED ({rate:.0f}/s)"
    return report


def _ingest_in_parallel(raws: list[bytes], jobs: int) -> dict[str, int]:
    """Write the messages to a directory and ingest it in `jobs` processes."""
    from opsdesk.inbound.directory import ingest_directory

    with tempfile.TemporaryDirectory(prefix="bench-mail-") as folder:
        for n, raw in enumerate(raws):
            (Path(folder) / f"{n:06d}.eml").write_bytes(raw)
        result = ingest_directory(Path(folder), mailbox="bench", jobs=jobs)
    return dict(result.outcomes)


def _run_fan_outs() -> tuple[int, float]:
    """Run the fan-out jobs the ingest queued (the worker's part), timed: (jobs, seconds)."""
    from django_tasks_db.models import DBTaskResult

    jobs = list(DBTaskResult.objects.ready().filter(task_path__contains="fan_out_new_ticket"))
    start = time.perf_counter()
    for job in jobs:
        job.claim("bench")
        job.set_successful(job.task.call(*job.task_result.args, **job.task_result.kwargs))
    return len(jobs), time.perf_counter() - start
