"""Weekly report at scale: the report of one ISO week over 1,000,000 tickets (< 1 s on
PostgreSQL), next to a bare SQL `count(*) … GROUP BY` over the same week, in the same run.

It shares web-pages' generated tickets (`generate.many_tickets`, same database) and gives
their history what a desk's history has: resolved and closed times on resolved and closed
tickets, and finished acknowledge and resolve clocks (met or breached) — added once, only
where missing, in SQL."""

import argparse
from datetime import timedelta

from .harness import Report, measure
from .setup_django import setup

# Minutes added to a timestamp, per database.
LATER = {"postgresql": "({at} + ({minutes}) * interval '1 minute')",
         "sqlite": "datetime({at}, '+' || ({minutes}) || ' minutes')"}

RESOLVE = """UPDATE tickets_ticket SET resolved_at = {resolved}
WHERE requester_id = %s AND stage IN ('resolved', 'closed') AND resolved_at IS NULL"""
CLOSE = """UPDATE tickets_ticket SET closed_at = {closed}
WHERE requester_id = %s AND stage = 'closed' AND closed_at IS NULL"""
# An acknowledge clock (15 min; answered after 0-39 min) and a resolve clock (8 h) on every
# finished ticket that has none: met when done by the due time, breached otherwise.
CLOCKS = """INSERT INTO sla_slaclock (ticket_id, target, status, started_at, due_at, warn_at,
    met_at, breached_at)
SELECT id, target, CASE WHEN done <= due THEN 'met' ELSE 'breached' END, received_at, due, due,
       done, CASE WHEN done > due THEN due END
FROM (SELECT t.id, k.target, t.received_at,
             CASE k.target WHEN 'ack' THEN {ack_due} ELSE {resolve_due} END AS due,
             CASE k.target WHEN 'ack' THEN {acked} ELSE t.resolved_at END AS done
      FROM tickets_ticket t CROSS JOIN (SELECT 'ack' AS target UNION ALL SELECT 'resolve') k
      WHERE t.requester_id = %s AND t.stage IN ('resolved', 'closed')
        AND NOT EXISTS (SELECT 1 FROM sla_slaclock c WHERE c.ticket_id = t.id)) finished"""


def run(argv: list[str]) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench weekly-report")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--week", help="ISO week (default: two weeks before the newest ticket)")
    args = parser.parse_args(argv)
    vendor = setup()

    from django.db import connection
    from django.test import Client

    from opsdesk.accounts.models import User
    from opsdesk.accounts.services import create_token
    from opsdesk.reports.pdf import pdf_bytes
    from opsdesk.reports.render import markdown
    from opsdesk.reports.services import weekly_report
    from opsdesk.sla.models import SlaClock
    from opsdesk.tickets.models import Ticket

    from .generate import many_tickets

    created = many_tickets(args.tickets)
    completed = _complete_history(vendor)
    if vendor == "postgresql" and (created or completed):
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE tickets_ticket")
            cursor.execute("VACUUM ANALYZE sla_slaclock")
    week = args.week or _busy_week()
    report = weekly_report(week=week)
    starts, ends = report.period.starts, report.period.ends
    agent = User.objects.get(email="bench.agent0@support.example.edu.vn")
    client = Client(SERVER_NAME="localhost",
                    headers={"Authorization": f"Bearer {create_token(user=agent)[1]}"})

    def bare_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT cos, count(*) FROM tickets_ticket WHERE created_at >= %s "
                           "AND created_at < %s GROUP BY cos", [starts, ends])
            cursor.fetchall()

    def report_md() -> None:
        markdown(weekly_report(week=week))

    def request_md() -> None:
        response = client.get("/api/v1/reports/weekly", {"week": week, "format": "md"})
        assert response.status_code == 200, response.content

    def report_pdf() -> None:
        pdf_bytes(weekly_report(week=week))

    timings = [
        measure("reference: bare SQL count(*) GROUP BY cos", bare_sql, runs=args.runs),
        measure("weekly report (md), computed and rendered", report_md, runs=args.runs),
        measure("weekly report (md), full API request", request_md, runs=args.runs),
        measure("weekly report (pdf), computed and rendered", report_pdf,
                runs=max(5, args.runs // 3)),
    ]
    result = Report(
        benchmark="weekly-report",
        setup={"database": vendor, "tickets": Ticket.objects.count(),
               "clocks": SlaClock.objects.count(), "created this run": created,
               "history completed this run": completed, "week": week,
               "opened / resolved / closed that week":
                   f"{report.opened} / {report.resolved} / {report.closed}"},
        timings=timings,
        ratios={"report (md) / bare SQL": timings[1].p50_ms / timings[0].p50_ms,
                "API request (md) / bare SQL": timings[2].p50_ms / timings[0].p50_ms},
    )
    for timing in timings[1:]:
        verdict = "met" if timing.p50_ms < 1000 else f"MISSED ({timing.p50_ms:.0f} ms)"
        result.verdicts[f"{timing.name} < 1 s (p50)"] = verdict
    return result


def _busy_week() -> str:
    """The ISO week two weeks before the newest generated ticket (a full week of data)."""
    from django.db.models import Max
    from django.utils import timezone

    from opsdesk.tickets.models import Ticket

    newest = Ticket.objects.aggregate(newest=Max("created_at"))["newest"]
    year, number, _ = timezone.localtime(newest - timedelta(days=14)).isocalendar()
    return f"{year}-W{number:02d}"


def _complete_history(vendor: str) -> int:
    """Resolved/closed times and finished clocks for generated tickets that lack them."""
    from django.db import connection, transaction

    from opsdesk.accounts.models import User

    later = LATER[vendor]
    requester = User.objects.get(email="bench.requester@campus.example.edu.vn").pk
    statements = (
        RESOLVE.format(resolved=later.format(at="created_at", minutes="(id * 7919) %% 2880")),
        CLOSE.format(closed=later.format(at="resolved_at", minutes="(id * 31) %% 4320")),
        CLOCKS.format(ack_due=later.format(at="t.received_at", minutes="15"),
                      resolve_due=later.format(at="t.received_at", minutes="480"),
                      acked=later.format(at="t.received_at", minutes="(t.id * 13) %% 40")),
    )
    changed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, [requester])
            changed += max(cursor.rowcount, 0)
    return changed
