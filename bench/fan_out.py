"""The fan-out job as the worker runs it: each new ticket's ACK (written, its SLA effects,
emailed), the manager notice and the dev alert (recorded and emailed).

Tickets opened together get one job (a batch of mail up to a hundred; an API request one),
so the job is timed for several sizes on realistic tickets (those of
api-create), per ticket: wall time, this process's CPU, the database backend's CPU (when
the server runs on this machine) and statements. Reference, same run: jobs of one ticket.
Sizes alternate within each repetition, so load from elsewhere falls on all of them. Emails
go to Django's in-memory backend. The run uses its own database (opsdesk_bench_fanout, or
OPSDESK_BENCH_DATABASE_URL); its tickets stay there.
"""

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from .harness import Report, Timing
from .setup_django import setup


def _backend_cpu() -> Callable[[], float | None]:
    """Seconds of CPU the database server process of this connection has used, if readable."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def read() -> float | None:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return read


def _drafts(rng: random.Random, count: int, start: int) -> list[Any]:
    from opsdesk.accounts.services import find_or_create_requester
    from opsdesk.tickets.impact import Impact
    from opsdesk.tickets.services import TicketDraft

    from .api_create import ticket_payload

    drafts = []
    for n in range(start, start + count):
        p = ticket_payload(rng, n)
        impact = p["impact"]
        requester = find_or_create_requester(email=p["requester"]["email"],
                                             name=p["requester"]["name"])
        drafts.append(TicketDraft(
            requester=requester, title=p["title"], description=p["description"],
            language=p["language"], tags=p["tags"], impact=Impact(
                affected_users=impact["affected_users"], blocking=impact["blocking"],
                groups=[(g["name"], g["affected"]) for g in impact["groups"]],
                scope=impact["scope"], critical_function="critical_function" in impact)))
    return drafts


def _people() -> Any:
    """An agent who creates, a manager and a dev team member who are told."""
    from opsdesk.accounts.models import Role, Team, User
    from opsdesk.accounts.services import create_user

    def person(email: str, role: str) -> User:
        found = User.objects.filter(email=email).first()
        return found or create_user(email=email, role=role, name=email.split("@")[0])

    agent = person("agent@bench.example.edu.vn", Role.AGENT)
    person("manager@bench.example.edu.vn", Role.MANAGER)
    team, _ = Team.objects.get_or_create(name="Dev Team")
    team.members.add(person("dev@bench.example.edu.vn", Role.ENGINEER))
    return agent


def run(argv: list[str]) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench fan-out")
    parser.add_argument("--tickets", type=int, default=150, help="per job size and repetition")
    parser.add_argument("--sizes", default="1,3,50", help="tickets per job, comma-separated")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    vendor = setup("postgres://postgres@127.0.0.1:5432/opsdesk_bench_fanout")

    from django.conf import settings
    from django.core import mail
    from django.db import connection

    from opsdesk.communications.tasks import fan_out_new_tickets
    from opsdesk.core.jobs import running_job
    from opsdesk.workflows.tickets import open_tickets

    settings.OPSDESK_AUTO_NOTIFY = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    sizes = [int(s) for s in args.sizes.split(",")]
    agent = _people()
    backend_cpu = _backend_cpu()
    rng = random.Random(11)
    statements = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements[0] += 1
        return execute(sql, params, many, context)

    per_job: dict[int, list[float]] = {size: [] for size in sizes}
    totals: dict[int, dict[str, float]] = {size: {"tickets": 0, "wall": 0.0, "cpu": 0.0,
                                                  "db_cpu": 0.0, "statements": 0, "emails": 0}
                                           for size in sizes}
    start = 0
    for rep in range(args.reps + 1):  # the first repetition warms up and is not counted
        for size in sizes:
            count_it = rep > 0
            tickets = args.tickets if count_it else size * 2
            jobs = []
            for first in range(0, tickets, size):
                drafts = _drafts(rng, min(size, tickets - first), start + first)
                jobs.append([t.pk for t in open_tickets(actor=agent, drafts=drafts)])
            start += tickets
            mail.outbox.clear()
            statements[0] = 0
            db0, cpu0, wall0 = backend_cpu(), time.process_time(), time.perf_counter()
            with connection.execute_wrapper(count):
                for ticket_ids in jobs:
                    began = time.perf_counter()
                    with running_job():
                        fan_out_new_tickets.call(ticket_ids=ticket_ids, actor_id=agent.pk)
                    if count_it:
                        per_job[size].append(
                            (time.perf_counter() - began) * 1000 / len(ticket_ids))
            db1 = backend_cpu()
            if count_it:
                total = totals[size]
                total["tickets"] += tickets
                total["wall"] += time.perf_counter() - wall0
                total["cpu"] += time.process_time() - cpu0
                total["db_cpu"] += (db1 - db0) if db0 is not None and db1 is not None else 0
                total["statements"] += statements[0]
                total["emails"] += len(mail.outbox)

    report = Report(benchmark="fan-out", setup={
        "database": vendor, "tickets per job size and repetition": args.tickets,
        "repetitions": args.reps,
        "server-side binding (prepared statements)": bool(
            settings.DATABASES["default"].get("OPTIONS", {}).get("server_side_binding"))})
    for size in sizes:
        total, samples = totals[size], sorted(per_job[size])
        n = total["tickets"]
        report.setup[f"jobs of {size}: per ticket"] = (
            f"{1000 * total['wall'] / n:.1f} ms wall, {1000 * total['cpu'] / n:.1f} ms CPU here, "
            f"{1000 * total['db_cpu'] / n:.1f} ms CPU in the database, "
            f"{total['statements'] / n:.1f} statements, {total['emails'] / n:.1f} emails")
        p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
        report.timings.append(Timing(f"fan-out per ticket, jobs of {size}", len(samples),
                                     statistics.median(samples), p99, statistics.fmean(samples)))
    base = totals[sizes[0]]
    for size in sizes[1:]:
        total = totals[size]
        report.ratios[f"jobs of {size} ÷ jobs of {sizes[0]}, wall"] = total["wall"] / base["wall"]
        report.ratios[f"jobs of {size} ÷ jobs of {sizes[0]}, statements"] = (
            total["statements"] / base["statements"])
    return report
