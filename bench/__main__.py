"""Run a benchmark: python -m bench NAME [options]. `python -m bench --list` lists them."""

import argparse
import compileall
import importlib
import json
import sys
from dataclasses import asdict
from pathlib import Path

BENCHMARKS = {
    "api-create": "bench.api_create",
    "duplicate-check": "bench.duplicate_check",
    "email-ingest": "bench.email_ingest",
    "fan-out": "bench.fan_out",
    "login-recovery": "bench.login_recovery",
    "outage-burst": "bench.outage_burst",
    "peer": "bench.peer",
    "sla-scan": "bench.sla_scan",
    "web-pages": "bench.web_pages",
    "weekly-report": "bench.weekly_report",
    "web-rss": "bench.web_rss",
}


def compile_opsdesk() -> None:
    """Write opsdesk's bytecode, as installing a package does (the peer's is compiled when
    pip installs it; opsdesk is installed editable, and where PYTHONDONTWRITEBYTECODE is
    set, as on these machines, every opsdesk process compiled its modules again: 0.2 s of
    each `opsdesk mail ingest-dir`'s start)."""
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "opsdesk", quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", nargs="?", choices=sorted(BENCHMARKS))
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of text.")
    args, rest = parser.parse_known_args()
    if args.list or not args.name:
        print("\n".join(sorted(BENCHMARKS)))
        return
    compile_opsdesk()
    module = importlib.import_module(BENCHMARKS[args.name])
    report = module.run(rest)
    path = report.save()
    print(json.dumps(asdict(report), indent=2, default=str) if args.json else report.text())
    print(f"  saved {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
