"""SLA scan: find every clock due in the next minute among 100,000 open tickets.

Target (DESIGN §5): < 100 ms on PostgreSQL with an indexed query, reported next to a bare
`SELECT count(*)` over the same table in the same run.
"""

import argparse
from datetime import timedelta

from .harness import Report, measure
from .setup_django import setup


def run(argv: list[str]) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench sla-scan")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    vendor = setup()

    from django.db import connection, transaction
    from django.utils import timezone

    from opsdesk.sla.models import SlaClock
    from opsdesk.sla.timers import _claim

    from .generate import open_tickets_with_clocks

    created = open_tickets_with_clocks(args.tickets)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE") if vendor == "postgresql" else None

    def due_next_minute() -> list[int]:
        horizon = timezone.now() + timedelta(minutes=1)
        return list(SlaClock.objects.filter(status="running", due_at__lte=horizon)
                    .values_list("id", flat=True))

    def claim_due_next_minute() -> None:
        # the worker's own claim (FOR UPDATE SKIP LOCKED), rolled back so nothing changes
        with transaction.atomic():
            _claim(timezone.now() + timedelta(minutes=1), breaches=True)
            transaction.set_rollback(True)

    def bare_count() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sla_slaclock")
            cursor.fetchone()

    found = len(due_next_minute())
    clocks = SlaClock.objects.count()
    reference = measure("reference: SELECT count(*) FROM sla_slaclock", bare_count,
                        runs=args.runs)
    scan = measure("clocks due in the next minute", due_next_minute, runs=args.runs)
    claim = measure("worker claim (SKIP LOCKED) of those clocks", claim_due_next_minute,
                    runs=args.runs)
    plan = _plan(connection, vendor)
    report = Report(
        benchmark="sla-scan",
        setup={"database": vendor, "open tickets": args.tickets, "clocks": clocks,
               "created this run": created, "due in the next minute": found,
               "plan": plan},
        timings=[reference, scan, claim],
        ratios={"scan / count(*)": scan.p50_ms / reference.p50_ms,
                "claim / count(*)": claim.p50_ms / reference.p50_ms},
    )
    report.verdicts["target < 100 ms (p99 of the scan)"] = \
        "met" if scan.p99_ms < 100 else f"MISSED ({scan.p99_ms:.1f} ms)"
    return report


def _plan(connection, vendor: str) -> str:
    from django.utils import timezone

    if vendor != "postgresql":
        return "n/a"
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN SELECT id FROM sla_slaclock WHERE status = 'running' "
                       "AND due_at <= %s", [timezone.now() + timedelta(minutes=1)])
        return " | ".join(row[0].strip() for row in cursor.fetchall()[:2])
