"""Web pages at scale: the agent queue with two filters over 1,000,000 tickets (< 100 ms
server time) and a ticket page with 500 timeline entries (< 150 ms), each next to the bare
SQL query that fetches the same rows, in the same run."""

import argparse

from .harness import Report, measure
from .setup_django import setup


def run(argv: list[str]) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench web-pages")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    vendor = setup()

    from django.db import connection
    from django.test import Client

    from opsdesk.accounts.models import User
    from opsdesk.tickets.models import Ticket

    from .generate import many_tickets

    created = many_tickets(args.tickets)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    agent = User.objects.get(email="bench.agent0@support.example.edu.vn")
    client = Client(SERVER_NAME="localhost")
    client.force_login(agent)
    busy = _ticket_with_timeline(agent, entries=500)

    def queue_page() -> None:
        response = client.get("/desk/", {"cos": "priority", "stage": "in_progress"})
        assert response.status_code == 200

    def bare_queue_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM tickets_ticket WHERE cos = %s AND stage = %s "
                           "ORDER BY id DESC LIMIT 51", ["priority", "in_progress"])
            cursor.fetchall()

    def ticket_page() -> None:
        assert client.get(f"/desk/tickets/{busy.pk}/").status_code == 200

    def bare_timeline_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM tickets_message WHERE ticket_id = %s "
                           "ORDER BY created_at, id", [busy.pk])
            cursor.fetchall()

    timings = [
        measure("reference: bare SQL for the queue's rows", bare_queue_sql, runs=args.runs),
        measure("queue page (cos + stage), full request", queue_page, runs=args.runs),
        measure("reference: bare SQL for 500 timeline rows", bare_timeline_sql, runs=args.runs),
        measure("ticket page with 500 timeline entries", ticket_page, runs=args.runs),
    ]
    report = Report(
        benchmark="web-pages",
        setup={"database": vendor, "tickets": Ticket.objects.count(), "created this run": created},
        timings=timings,
        ratios={"queue page / bare SQL": timings[1].p50_ms / timings[0].p50_ms,
                "ticket page / bare SQL": timings[3].p50_ms / timings[2].p50_ms},
    )
    report.verdicts["queue page < 100 ms (p50)"] = _verdict(timings[1].p50_ms, 100)
    report.verdicts["ticket page < 150 ms (p50)"] = _verdict(timings[3].p50_ms, 150)
    return report


def _verdict(ms: float, budget: float) -> str:
    return "met" if ms < budget else f"MISSED ({ms:.0f} ms)"


def _ticket_with_timeline(agent, *, entries: int):  # type: ignore[no-untyped-def]
    """One ticket with `entries` notes, replies and events (made once, then reused)."""
    from opsdesk.tickets.models import Message, Ticket

    title = "Benchmark: a long-running incident"
    ticket = Ticket.objects.filter(title=title).first()
    if ticket is None:
        from opsdesk.tickets.services import TicketDraft
        from opsdesk.workflows.tickets import open_ticket

        ticket = open_ticket(actor=agent, draft=TicketDraft(requester=agent, title=title))
    missing = entries - Message.objects.filter(ticket=ticket).count()
    kinds = ("note", "reply", "event")
    Message.objects.bulk_create(
        Message(ticket=ticket, kind=kinds[i % 3], author=agent, body=f"Entry {i}: checked logs.",
                public=kinds[i % 3] == "reply", event="stage_changed" if i % 3 == 2 else "")
        for i in range(max(0, missing)))
    return ticket
