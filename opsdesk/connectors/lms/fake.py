"""A fake LMS admin API: a real HTTP server on 127.0.0.1 holding accounts that can be
reactivated and sent password resets.

    python -m opsdesk.connectors.lms.fake --port 8092 --data opsdesk/demo/data/login-recovery.json

serves the file's `lms_accounts` (or a plain JSON list), numbering them 1001, 1002, … in file
order unless a record has an `id`, and prints each request. Endpoints (all require
`Authorization: Bearer <token>` when started with a token):

    GET  /health                        200 {"status": "ok"}
    GET  /accounts?email=<email>        200 {"id", "email", "status", "reason"} | 404 not_found
    GET  /accounts/<id>                 200 account | 404 not_found
    POST /accounts/<id>/reactivate      200 account, now "active" | 404 not_found
    POST /accounts/<id>/password-reset  202 {"account_id", "status": "sent"} | 404 not_found
                                        | 409 account_deactivated

Every POST needs an `Idempotency-Key` header (400 without). The first answer to a key is
kept: the same key on the same request gets that answer again, with
`Idempotent-Replayed: true`, and changes nothing; on another request it gets 422.
`journal` records each change made, so tests can assert "reactivated exactly once".
"""

import argparse
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..fakeserver import (
    FakeServer,
    NotFound,
    Reply,
    error,
    load_records,
    print_request,
    serve_forever,
)

_ACCOUNT = re.compile(r"/accounts/(?P<id>[^/]+)")
_ACTION = re.compile(r"/accounts/(?P<id>[^/]+)/(?P<action>reactivate|password-reset)")


@dataclass(frozen=True)
class Change:
    action: str  # "reactivate" or "password_reset"
    account_id: str
    idempotency_key: str
    changed: bool  # False when reactivating an account that was already active
    at: float  # time.time()


class FakeLmsServer(FakeServer):
    """The LMS accounts of the scenario, served over HTTP."""

    system = "LMS"

    def __init__(self, data: str | Path | list[dict[str, Any]], **options: Any) -> None:
        super().__init__(**options)
        self.accounts: dict[str, dict[str, str]] = {}
        for number, record in enumerate(load_records(data, "lms_accounts"), start=1001):
            account_id = str(record.get("id") or number)
            self.accounts[account_id] = {
                "id": account_id, "email": str(record["email"]),
                "status": str(record.get("status", "active")),
                "reason": str(record.get("reason", "")),
            }
        self.journal: list[Change] = []
        self._answered: dict[str, tuple[str, Reply]] = {}  # idempotency key → request, answer

    # -- for tests -------------------------------------------------------------------------

    def account(self, email: str) -> dict[str, str] | None:
        """A copy of the account with this email as the LMS holds it now."""
        with self.lock:
            found = self._by_email(email)
            return dict(found) if found else None

    def set_account(self, email: str, *, status: str, reason: str = "") -> None:
        """Put an account in a state (e.g. deactivated again after 30 days without login)."""
        with self.lock:
            found = self._by_email(email)
            if found is None:
                raise KeyError(email)
            found.update(status=status, reason=reason)

    def changes(self, action: str | None = None, account_id: str | None = None) -> list[Change]:
        """The changes made, of this kind and to this account if given."""
        with self.lock:
            return [c for c in self.journal if action in (None, c.action)
                    and account_id in (None, c.account_id)]

    # -- the API ---------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str],
               headers: dict[str, str]) -> Reply:
        if method == "GET":
            return self._read(path, query)
        action = _ACTION.fullmatch(path)
        if method != "POST" or action is None:
            raise NotFound
        key = headers.get("idempotency-key", "")
        if not key:
            return error(400, "idempotency_key_required", "send an Idempotency-Key header")
        request = f"POST {path}"
        with self.lock:  # one change at a time: a repeated key waits for the first answer
            if key in self._answered:
                first_request, reply = self._answered[key]
                if first_request != request:
                    return error(422, "idempotency_key_reused",
                                 "this Idempotency-Key was used for another request")
                return Reply(reply.status, reply.body,
                             (*reply.headers, ("Idempotent-Replayed", "true")), reply.note)
            reply = self._act(action["action"], unquote(action["id"]), key)
            self._answered[key] = (request, reply)
            return reply

    def _read(self, path: str, query: dict[str, str]) -> Reply:
        if path == "/health":
            return Reply(200, {"status": "ok"})
        with self.lock:
            if path == "/accounts":
                if not query.get("email", "").strip():
                    return error(400, "email_required", "give ?email=")
                found = self._by_email(query["email"])
            elif match := _ACCOUNT.fullmatch(path):
                found = self.accounts.get(unquote(match["id"]))
            else:
                raise NotFound
            if found is None:
                return Reply(404, {"error": "not_found", "message": "no such account"},
                             note="no such account")
            return Reply(200, dict(found), note=f"account {found['id']}: {found['status']}")

    def _act(self, action: str, account_id: str, key: str) -> Reply:
        account = self.accounts.get(account_id)
        if account is None:
            return Reply(404, {"error": "not_found", "message": "no such account"},
                         note=f"no account {account_id}")
        if action == "reactivate":
            changed = account["status"] != "active"
            account.update(status="active", reason="")
            self.journal.append(Change("reactivate", account_id, key, changed, time.time()))
            return Reply(200, dict(account), note=f"account {account_id} reactivated"
                         if changed else f"account {account_id} was already active")
        if account["status"] != "active":
            return error(409, "account_deactivated", "reactivate the account first")
        self.journal.append(Change("password_reset", account_id, key, True, time.time()))
        return Reply(202, {"account_id": account_id, "status": "sent"},
                     note=f"password reset email sent for account {account_id}")

    def _by_email(self, email: str) -> dict[str, str] | None:
        wanted = email.strip().lower()
        return next((a for a in self.accounts.values() if a["email"].lower() == wanted), None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake LMS admin API on 127.0.0.1.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--data", required=True,
                        help="JSON file: a list of accounts, or an object with `lms_accounts`")
    parser.add_argument("--token", default="", help="require this bearer token")
    args = parser.parse_args(argv)
    fake = FakeLmsServer(args.data, token=args.token, host=args.host, port=args.port,
                         on_request=print_request)
    serve_forever(fake, f"Fake LMS on {{url}}: {len(fake.accounts)} accounts from {args.data}; "
                        + ("bearer token required" if args.token else "no token")
                        + ".\n  GET /accounts?email=…   POST /accounts/<id>/reactivate   "
                          "POST /accounts/<id>/password-reset   — Ctrl-C stops.")


if __name__ == "__main__":
    main()
