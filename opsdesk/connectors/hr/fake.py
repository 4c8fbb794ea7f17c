"""A fake HR directory: a real HTTP server on 127.0.0.1 answering employment status by email.

    python -m opsdesk.connectors.hr.fake --port 8091 --data opsdesk/demo/data/login-recovery.json

serves the file's `hr_directory` (or a plain JSON list of employees) and prints each request.
Endpoints (all require `Authorization: Bearer <token>` when started with a token):

    GET /health                   200 {"status": "ok"}
    GET /employees?email=<email>  200 {"email", "name", "employment_status", "role"}
                                  404 {"error": "not_found"}   (the directory does not know them)

Tests use it in-process (`FakeHrServer(data)`), with the controls of `FakeServer`.
"""

import argparse
from pathlib import Path
from typing import Any

from ..fakeserver import (
    FakeServer,
    NotFound,
    Reply,
    error,
    load_records,
    print_request,
    serve_forever,
)


class FakeHrServer(FakeServer):
    """The HR directory of the scenario, served over HTTP."""

    system = "HR directory"

    def __init__(self, data: str | Path | list[dict[str, Any]], **options: Any) -> None:
        super().__init__(**options)
        self.employees = {record["email"].lower(): _employee(record)
                          for record in load_records(data, "hr_directory")}

    def set_status(self, email: str, employment_status: str) -> None:
        """Change someone's employment status (as HR would when they leave)."""
        with self.lock:
            self.employees[email.lower()]["employment_status"] = employment_status

    def handle(self, method: str, path: str, query: dict[str, str],
               headers: dict[str, str]) -> Reply:
        if (method, path) == ("GET", "/health"):
            return Reply(200, {"status": "ok"})
        if (method, path) != ("GET", "/employees"):
            raise NotFound
        email = query.get("email", "").strip().lower()
        if not email:
            return error(400, "email_required", "give ?email=")
        with self.lock:
            employee = self.employees.get(email)
            found = dict(employee) if employee else None
        if found is None:
            return Reply(404, {"error": "not_found", "message": "no employee with this email"},
                         note="unknown to HR")
        return Reply(200, found, note=f"{found['employment_status']} {found['role']}".strip())


def _employee(record: dict[str, Any]) -> dict[str, str]:
    return {"email": str(record["email"]), "name": str(record.get("name", "")),
            "employment_status": str(record.get("employment_status", "active")),
            "role": str(record.get("role", ""))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake HR directory on 127.0.0.1.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--data", required=True,
                        help="JSON file: a list of employees, or an object with `hr_directory`")
    parser.add_argument("--token", default="", help="require this bearer token")
    args = parser.parse_args(argv)
    fake = FakeHrServer(args.data, token=args.token, host=args.host, port=args.port,
                        on_request=print_request)
    serve_forever(fake, f"Fake HR directory on {{url}}: {len(fake.employees)} employees from "
                        f"{args.data}; " + ("bearer token required" if args.token else "no token")
                        + ".\n  GET /employees?email=…   GET /health   — Ctrl-C stops.")


if __name__ == "__main__":
    main()
