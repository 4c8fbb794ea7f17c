"""What the fake HR directory and fake LMS share: a real threaded HTTP server on 127.0.0.1
that speaks JSON, checks a bearer token, and can be told to misbehave.

Test controls (each applies to the requests that follow):

- `down()` closes the port (connections are refused), `up()` listens on it again;
- `fail_next(n, status=500, method=None)` answers the next n requests (or the next n with
  that method) with `{"error": "injected_failure"}` and that status, changing nothing;
- `delay(seconds, process=True)` waits before handling each request, to make clients time
  out; with `process=False` the delayed request is then dropped unanswered and changes
  nothing (a gateway giving up before the system saw it); `delay(0)` ends it;
- `requests` lists every request received (method, path with query, headers).

Pure standard library, so `python -m opsdesk.connectors.….fake` needs no Django.
"""

import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str  # with the query string
    headers: dict[str, str]


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()
    note: str = ""  # what happened, for the command line's log; not sent


class NotFound(Exception):
    """No route for this method and path."""


def error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": code, "message": message})


def load_records(data: "str | Path | list[dict[str, Any]]", key: str) -> list[dict[str, Any]]:
    """Records from a list, or from a JSON file holding a list or an object with `key`."""
    if isinstance(data, list):
        return [dict(record) for record in data]
    loaded = json.loads(Path(data).read_text(encoding="utf-8"))
    records = loaded.get(key) if isinstance(loaded, dict) else loaded
    if not isinstance(records, list):
        raise ValueError(f"{data}: expected a JSON list or an object with a {key!r} list")
    return [dict(record) for record in records]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is expected here, not worth a traceback


class FakeServer:
    """Base of the fakes: subclasses implement `handle()` for their endpoints."""

    system = "fake"

    def __init__(self, *, token: str = "", host: str = "127.0.0.1", port: int = 0,
                 on_request: Callable[[ReceivedRequest, Reply | None], None] | None = None
                 ) -> None:
        self.token, self.host, self.port = token, host, port
        self.on_request = on_request
        self.requests: list[ReceivedRequest] = []
        self.lock = threading.RLock()
        self._failures: list[tuple[int, str | None]] = []
        self._delay, self._process_delayed = 0.0, True
        self._server: _QuietServer | None = None

    # -- life cycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        """Listen (again, on the same port once one was chosen)."""
        self._server = _QuietServer((self.host, self.port), self._handler())
        self.port = self._server.server_address[1]
        # A short poll interval makes stop() and down() take milliseconds, not half a second.
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True,
                         name=f"{self.system}-fake").start()
        return self

    def stop(self) -> None:
        """Close the port: from now on connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def down(self) -> None:
        """The system is down: connections to its port are refused until `up()`."""
        self.stop()

    def up(self) -> None:
        """The system is back, on the same port."""
        if self._server is None:
            self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- misbehaviour on demand ------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500, *, method: str | None = None) -> None:
        """Answer the next n requests (with this method, if given) with `status`."""
        with self.lock:
            self._failures.extend([(status, method.upper() if method else None)] * n)

    def delay(self, seconds: float, *, process: bool = True) -> None:
        """Wait this long before handling each request; drop it afterwards unless `process`."""
        with self.lock:
            self._delay, self._process_delayed = seconds, process

    def count(self, method: str | None = None, path: str = "") -> int:
        """How many requests were received (with this method, on a path starting so)."""
        with self.lock:
            return sum(1 for r in self.requests
                       if (method is None or r.method == method.upper())
                       and r.path.startswith(path))

    # -- to implement ----------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str],
               headers: dict[str, str]) -> Reply:
        """Answer one authorised request; raise NotFound for an unknown route."""
        raise NotFound

    # -- plumbing --------------------------------------------------------------------------

    def _injected_failure(self, method: str) -> int | None:
        with self.lock:
            for i, (status, only) in enumerate(self._failures):
                if only is None or only == method:
                    del self._failures[i]
                    return status
        return None

    def _authorised(self, headers: dict[str, str]) -> bool:
        given = headers.get("authorization", "").encode()
        return not self.token or hmac.compare_digest(given, f"Bearer {self.token}".encode())

    def _answer(self, method: str, target: str, headers: dict[str, str]) -> Reply | None:
        with self.lock:
            delay, process = self._delay, self._process_delayed
        if delay:
            time.sleep(delay)
            if not process:
                return None
        failure = self._injected_failure(method)
        if failure is not None:
            return error(failure, "injected_failure", f"HTTP {failure} (injected by the test)")
        if not self._authorised(headers):
            return Reply(401, {"error": "unauthorized", "message": "missing or wrong token"},
                         (("WWW-Authenticate", 'Bearer realm="opsdesk-fake"'),))
        parts = urlsplit(target)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        try:
            return self.handle(method, parts.path.rstrip("/") or "/", query, headers)
        except NotFound:
            return error(404, "no_route", f"no {method} {parts.path} here")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)  # actions take no body; read it to keep the socket sane
                headers = {name.lower(): value for name, value in self.headers.items()}
                request = ReceivedRequest(method, self.path, dict(self.headers.items()))
                with fake.lock:
                    fake.requests.append(request)
                reply = fake._answer(method, self.path, headers)
                if fake.on_request is not None:
                    fake.on_request(request, reply)
                if reply is None:
                    self.close_connection = True
                    return
                payload = json.dumps(reply.body, ensure_ascii=False).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers:
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the fake reports through `requests` and on_request, not stderr

        return Handler


_print_lock = threading.Lock()


def say(text: str) -> None:
    """Print whole lines even when the server's threads print at the same time."""
    with _print_lock:
        print(text, flush=True)


def print_request(request: ReceivedRequest, reply: Reply | None) -> None:
    """For the command line: one line per request and what was answered."""
    outcome = "dropped (delayed)" if reply is None else str(reply.status)
    note = (reply.note or str(reply.body.get("error", ""))) if reply else ""
    replayed = reply is not None and ("Idempotent-Replayed", "true") in reply.headers
    say(f"{time.strftime('%H:%M:%S')} {request.method} {request.path} → {outcome}"
        + (f"  {note}" if note else "")
        + ("  (replayed: same Idempotency-Key)" if replayed else ""))


def serve_forever(fake: FakeServer, banner: str) -> None:
    """Run a fake from the command line until Ctrl-C or SIGTERM."""
    fake.start()
    say(banner.format(url=fake.url))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
