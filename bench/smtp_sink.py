"""A real SMTP server on loopback (aiosmtpd) for benchmarks: it keeps when each message
arrived, and finds the first message for each ticket that carries a marker."""

import email
import email.policy
import logging
import re
import time
from typing import Any

from .server import LOOPBACK, free_port

REF = re.compile(r"#(\d{5,})")  # the ticket's reference in a reply's subject


class Sink:
    """The SMTP server the worker sends to (aiosmtpd on loopback): when each message
    arrived, its ticket (the #ref in its subject) and its text."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
        self._raw: list[tuple[float, bytes]] = []
        self._parsed: list[tuple[float, int | None, str]] = []
        self.controller = Controller(self, hostname=LOOPBACK, port=free_port())
        self.controller.start()
        self.port = self.controller.port

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self._raw.append((time.time(), envelope.content))
        return "250 OK"

    def messages(self) -> list[tuple[float, int | None, str]]:
        """Every message so far: (arrival, ticket number or None, subject and body)."""
        for at, raw in self._raw[len(self._parsed):]:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            subject = str(message.get("Subject", ""))
            body = message.get_body(("plain", "html"))
            text = body.get_content() if body is not None else ""
            ref = REF.search(subject)
            self._parsed.append((at, int(ref.group(1)) if ref else None, f"{subject}\n{text}"))
        return self._parsed

    def first(self, marker: str) -> dict[int, float]:
        """The first arrival of a message carrying `marker`, by ticket number."""
        found: dict[int, float] = {}
        for at, number, text in self.messages():
            if number is not None and marker in text and number not in found:
                found[number] = at
        return found

    def wait(self, marker: str, numbers: set[int], timeout: float) -> dict[int, float]:
        """Wait (at most `timeout` s) until every ticket of `numbers` got `marker`."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.first(marker)
            if numbers <= found.keys() or time.monotonic() > deadline:
                return {n: at for n, at in found.items() if n in numbers}
            time.sleep(0.2)

    def quiet(self, seconds: float = 2.0, timeout: float = 120) -> None:
        """Wait until nothing has arrived for `seconds`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            count = len(self._raw)
            time.sleep(seconds)
            if len(self._raw) == count:
                return

    def stop(self) -> None:
        self.controller.stop()
