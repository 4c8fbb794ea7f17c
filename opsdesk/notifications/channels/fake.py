"""A stand-in for Teams, Slack and webhook receivers: a real HTTP server on 127.0.0.1.

It records every request (method, path, headers, body) and answers what it is told: 200
`ok` by default, or any status (`answer(500)`), slowly (`delay`), or not at all (`stop()`:
the port is closed, so connections are refused). Tests use it in-process; for the demo,

    python -m opsdesk.notifications.channels.fake --port 8099

prints each request it receives. Point a channel at `http://127.0.0.1:8099/teams` (any path).
"""

import argparse
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeChatServer:
    """A threaded HTTP server that records what it receives and answers as told."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0,
                 on_request: Callable[[ReceivedRequest], None] | None = None) -> None:
        self.host, self.port = host, port
        self.on_request = on_request
        self.received: list[ReceivedRequest] = []
        self.status, self.reply, self.delay = 200, b"ok", 0.0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def answer(self, status: int, reply: str = "") -> None:
        """Answer every following request with this status and body."""
        self.status, self.reply = status, reply.encode()

    def start(self) -> "FakeChatServer":
        """Listen (again, on the same port once one was chosen)."""
        self._server = ThreadingHTTPServer((self.host, self.port), self._handler())
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the port: from now on connections are refused, as for a service that is down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeChatServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.received.append(request)
        if self.on_request is not None:
            self.on_request(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                fake._record(ReceivedRequest(
                    method="POST", path=self.path, headers=dict(self.headers.items()),
                    body=self.rfile.read(length),
                ))
                if fake.delay:
                    time.sleep(fake.delay)
                self.send_response(fake.status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(fake.reply)))
                self.end_headers()
                self.wfile.write(fake.reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the fake reports through `received` and on_request, not stderr

        return Handler


def _print_request(request: ReceivedRequest) -> None:
    print(f"--- {time.strftime('%H:%M:%S')} {request.method} {request.path}")
    for name in ("X-Opsdesk-Event", "X-Opsdesk-Delivery", "X-Opsdesk-Signature"):
        if name in request.headers:
            print(f"{name}: {request.headers[name]}")
    try:
        print(json.dumps(request.json(), indent=2, ensure_ascii=False))
    except ValueError:
        print(request.body.decode("utf-8", "replace"))
    print(flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--status", type=int, default=200, help="status to answer with")
    args = parser.parse_args(argv)
    fake = FakeChatServer(host=args.host, port=args.port, on_request=_print_request)
    fake.answer(args.status, "ok" if args.status < 300 else "error")
    fake.start()
    print(f"Listening on {fake.url('/')} — answering {args.status}; Ctrl-C stops.",
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
