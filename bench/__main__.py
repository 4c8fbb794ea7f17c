"""Run a benchmark: python -m bench NAME [options]. `python -m bench --list` lists them."""

import argparse
import importlib
import json
import sys
from dataclasses import asdict

BENCHMARKS = {
    "api-create": "bench.api_create",
    "duplicate-check": "bench.duplicate_check",
    "email-ingest": "bench.email_ingest",
    "fan-out": "bench.fan_out",
    "login-recovery": "bench.login_recovery",
    "peer": "bench.peer",
    "sla-scan": "bench.sla_scan",
    "web-pages": "bench.web_pages",
    "weekly-report": "bench.weekly_report",
    "web-rss": "bench.web_rss",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", nargs="?", choices=sorted(BENCHMARKS))
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of text.")
    args, rest = parser.parse_known_args()
    if args.list or not args.name:
        print("\n".join(sorted(BENCHMARKS)))
        return
    module = importlib.import_module(BENCHMARKS[args.name])
    report = module.run(rest)
    path = report.save()
    print(json.dumps(asdict(report), indent=2, default=str) if args.json else report.text())
    print(f"  saved {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
