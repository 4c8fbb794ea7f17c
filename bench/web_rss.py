"""Web process memory (DESIGN §5: < 150 MB RSS per web process).

Starts `opsdesk serve` itself (collectstatic, then gunicorn with its production settings:
2 gthread workers, DEBUG off), signs an agent in, makes a few hundred requests over the
queue page (with and without filters), its side-bar counts, ticket pages, and the API's list
and get, then reads each process's resident memory from /proc/<pid>/status (VmRSS, and
VmHWM, its peak). Reference in the same run: a bare `python -c "import django"`, and a
process that has only loaded opsdesk (`django.setup()`, no request served).
"""

import argparse
import os
import random
import subprocess
import sys
from pathlib import Path

from .harness import RESULTS, Report
from .server import LOOPBACK, Server, closed_loop, free_port
from .setup_django import setup

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opsdesk_bench_rss"
BUDGET_MB = 150.0


def status_mb(pid: int | str) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB (10^6 bytes)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) * 1024 / 1e6
    return fields


def reference_mb(code: str, env: dict[str, str] | None = None) -> float:
    """RSS of a fresh Python process after running `code`."""
    script = code + "\nprint(open('/proc/self/status').read())"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, env={**os.environ, **(env or {})}).stdout
    line = next(row for row in out.splitlines() if row.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024 / 1e6


def run(argv: list[str]) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench web-rss")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--tickets", type=int, default=10_000,
                        help="Tickets in the database (generated once, then reused).")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = args.database_url
    vendor = setup(args.database_url)

    from django.db import connection, connections
    from django.test import Client

    from opsdesk.accounts.models import User
    from opsdesk.tickets.models import Ticket

    from .api_create import agent_token
    from .generate import many_tickets

    created = many_tickets(args.tickets)
    if created and vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    token = agent_token()
    agent = User.objects.get(email="bench.agent0@support.example.edu.vn")
    browser = Client(SERVER_NAME="localhost")
    browser.force_login(agent, backend="django.contrib.auth.backends.ModelBackend")
    session = browser.cookies["sessionid"].value
    ids = list(Ticket.objects.order_by("-pk").values_list("pk", flat=True)[:2000:20])
    connections.close_all()

    rng = random.Random(3)
    pages = [("/desk/", False), ("/desk/?stage=in_progress&cos=priority", False),
             ("/desk/counts", False), ("/desk/tickets/{id}/", False),
             ("/api/v1/tickets?limit=50", True), ("/api/v1/tickets?limit=50&stage=new", True),
             ("/api/v1/tickets/{id}", True)]
    plan = [rng.choice(pages) for _ in range(args.requests)]
    paths = [(path.format(id=rng.choice(ids)), api) for path, api in plan]
    browser_headers = {"Cookie": f"sessionid={session}", "Host": "localhost"}
    api_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    page_paths = [path for path, api in paths if not api]
    api_paths = [path for path, api in paths if api]
    port = free_port()
    opsdesk = Path(sys.executable).with_name("opsdesk")
    serve = Server([str(opsdesk), "serve", "--bind", f"{LOOPBACK}:{port}", "--workers",
                    str(args.workers)], port=port, env={"OPSDESK_DEBUG": "0"},
                   log=RESULTS / "web-rss-gunicorn.log")
    with serve:
        before = {pid: status_mb(pid) for pid in serve.worker_pids()}
        # Browser pages with the session cookie, then API calls with the token.
        pages_load = closed_loop(port, lambda i: ("GET", page_paths[i], None),
                                 count=len(page_paths), threads=args.threads,
                                 headers=browser_headers)
        api_load = closed_loop(port, lambda i: ("GET", api_paths[i], None),
                               count=len(api_paths), threads=args.threads, headers=api_headers)
        workers = {pid: status_mb(pid) for pid in serve.worker_pids()}
        master = status_mb(serve.proc.pid)

    bare = reference_mb("import django")
    loaded = reference_mb("import django; django.setup()",
                          env={"DJANGO_SETTINGS_MODULE": "opsdesk.settings"})
    largest = max(w["VmRSS"] for w in workers.values())
    peak = max(w["VmHWM"] for w in workers.values())
    failures = {k: v for load in (pages_load, api_load) for k, v in load.statuses.items()
                if not k.startswith("2")}
    report = Report(
        benchmark="web-rss",
        setup={"database": vendor, "tickets": args.tickets,
               "server": f"opsdesk serve: gunicorn, {args.workers} gthread workers",
               "requests": f"{pages_load.ok} pages + {api_load.ok} API calls answered 2xx"
                           + (f", others: {failures} {pages_load.errors[:1]}"
                              f"{api_load.errors[:1]}" if failures else ""),
               "reference: python -c 'import django' (MB)": round(bare, 1),
               "reference: django.setup() with opsdesk's settings (MB)": round(loaded, 1),
               "gunicorn master RSS (MB)": round(master["VmRSS"], 1),
               "workers RSS before the requests (MB)": [round(w["VmRSS"], 1)
                                                        for w in before.values()],
               "workers RSS after (MB)": [round(w["VmRSS"], 1) for w in workers.values()],
               "workers peak RSS, VmHWM (MB)": [round(w["VmHWM"], 1)
                                                for w in workers.values()]},
        timings=[pages_load.timing("browser pages (queue, counts, ticket)"),
                 api_load.timing("API list and get")],
        ratios={"largest worker RSS ÷ bare import django": largest / bare,
                "largest worker RSS ÷ opsdesk loaded": largest / loaded},
    )
    report.verdicts[f"< {BUDGET_MB:.0f} MB RSS per web process"] = (
        f"met (largest {largest:.0f} MB, peak {peak:.0f} MB)" if peak < BUDGET_MB
        else f"MISSED (largest {largest:.0f} MB, peak {peak:.0f} MB)")
    return report
