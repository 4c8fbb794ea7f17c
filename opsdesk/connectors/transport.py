"""JSON over HTTP for the connectors: bearer token, time-outs, retries, and what failures mean.

Worth retrying (`retryable=True`, and retried here up to `retries` more times with a short
growing pause): refused or dropped connections, time-outs, 408, 429 and 5xx. GETs are
retried; so are POSTs, because every POST a connector sends carries an Idempotency-Key and
the outside system answers a repeated key with the first result. Permanent: 401/403 (the
token), other 4xx, redirects (not followed: a moved service must be reconfigured) and
answers that are not the JSON expected. A 404 whose body says `{"error": "not_found"}` is
an answer (the thing does not exist), not a failure.

Messages and logs name the system, the method, the path (never the query, which holds
email addresses) and the failure; never a response body beyond a short error code.
"""

import json
import logging
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException, RemoteDisconnected
from typing import Any
from urllib.parse import urlencode, urlsplit

from .errors import ConnectorError

logger = logging.getLogger("opsdesk.connectors")

RETRYABLE_STATUSES = frozenset({408, 429})
MAX_ANSWER_BYTES = 1_000_000
_ERROR_CODE = re.compile(r"[a-z0-9_]{1,40}")
_IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,255}")  # printable ASCII, no spaces: safe in a header


def base_url_problem(url: str) -> str:
    """What is wrong with a connector's base URL, or "" when it is usable."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "Enter an http:// or https:// URL with a host name."
    if parts.username or parts.password:
        return "Put credentials in the token field, not in the URL."
    if parts.query or parts.fragment:
        return "The base URL takes no ?query or #fragment."
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "The port is not a number between 0 and 65535."
    return ""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the decoded JSON; None when the answer had no body


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect answers with an HTTPError instead of being followed."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


class JsonHttp:
    """One outside system's HTTP API, as a connector client uses it."""

    def __init__(self, *, system: str, base_url: str, token: str, timeout: float,
                 retries: int, backoff: float) -> None:
        problem = base_url_problem(base_url)
        if problem:
            raise ConnectorError(f"{system}: bad base URL. {problem}", retryable=False)
        if timeout <= 0 or retries < 0 or backoff < 0:
            raise ValueError("timeout must be positive; retries and backoff not negative")
        self.system = system
        self.base_url = base_url.strip().rstrip("/")
        self.token, self.timeout, self.retries, self.backoff = token, timeout, retries, backoff

    def get(self, path: str, params: dict[str, str] | None = None) -> Answer | None:
        """GET a JSON document; None when the system says it does not exist."""
        return self._found(path, self._call("GET", path, params or {}, {}))

    def post(self, path: str, *, idempotency_key: str) -> Answer | None:
        """POST an action (no body) under an idempotency key; None when its target is unknown."""
        if not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
            raise ValueError("an idempotency key is 1-255 printable ASCII characters, no spaces")
        return self._found(path, self._call("POST", path, {}, {"Idempotency-Key": idempotency_key}))

    def ping(self) -> None:
        """GET /health: raise ConnectorError unless the system answers and accepts the token."""
        if self.get("/health") is None:
            raise ConnectorError(f"{self.system}: HTTP 404 for /health: check the base URL",
                                 retryable=False, status=404)

    def _found(self, path: str, answer: Answer) -> Answer | None:
        if answer.status != 404:
            return answer
        if isinstance(answer.body, dict) and answer.body.get("error") == "not_found":
            return None
        raise ConnectorError(f"{self.system}: HTTP 404 for {path}: check the base URL",
                             retryable=False, status=404)

    def _call(self, method: str, path: str, params: dict[str, str],
              headers: dict[str, str]) -> Answer:
        attempts = 1 + self.retries
        for attempt in range(1, attempts + 1):
            try:
                return self._once(method, path, params, headers)
            except ConnectorError as exc:
                if not exc.retryable or attempt == attempts:
                    if attempt > 1:
                        exc.message = f"{exc.message} (after {attempt} attempts)"
                        exc.args = (exc.message,)
                    raise
                logger.warning("%s %s %s: attempt %d of %d failed (%s); trying again",
                               self.system, method, path, attempt, attempts, exc.message)
                time.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method: str, path: str, params: dict[str, str],
              headers: dict[str, str]) -> Answer:
        url = self.base_url + path + (f"?{urlencode(params)}" if params else "")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            url, method=method, data=b"" if method == "POST" else None,
            headers={"Accept": "application/json", "User-Agent": "opsdesk", **headers,
                     **({"Authorization": f"Bearer {self.token}"} if self.token else {})},
        )
        started = time.monotonic()
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                status, raw = int(response.status), response.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read(MAX_ANSWER_BYTES)
            if status != 404:
                raise self._status_error(status, raw) from None
        except TimeoutError:
            raise self._timeout() from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise self._timeout() from None
            raise ConnectorError(f"{self.system}: could not connect: {_reason(exc.reason)}",
                                 retryable=True) from None
        except RemoteDisconnected:
            raise ConnectorError(f"{self.system}: the connection was closed without an answer",
                                 retryable=True) from None
        except (HTTPException, OSError) as exc:
            raise ConnectorError(f"{self.system}: the connection failed: {type(exc).__name__}",
                                 retryable=True) from None
        logger.debug("%s %s %s → %d in %.0f ms", self.system, method, path, status,
                     (time.monotonic() - started) * 1000)
        return Answer(status, self._json(raw))

    def _json(self, raw: bytes) -> Any:
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ConnectorError(f"{self.system}: the answer is not JSON: check the base URL",
                                 retryable=False) from None

    def _timeout(self) -> ConnectorError:
        return ConnectorError(f"{self.system}: no answer within {self.timeout:g} s",
                              retryable=True)

    def _status_error(self, status: int, raw: bytes) -> ConnectorError:
        if status in {401, 403}:
            return ConnectorError(f"{self.system} refused the credentials (HTTP {status}): "
                                  "check the connector's token", retryable=False, status=status)
        if 300 <= status < 400:
            return ConnectorError(f"{self.system}: HTTP {status}: redirects are not followed; "
                                  "check the base URL", retryable=False, status=status)
        code = _error_code(raw)
        return ConnectorError(f"{self.system}: HTTP {status}" + (f" ({code})" if code else ""),
                              retryable=status >= 500 or status in RETRYABLE_STATUSES,
                              status=status)


def _error_code(raw: bytes) -> str:
    """The short machine-readable `error` of a JSON error body, if it has one."""
    try:
        body = json.loads(raw)
    except ValueError:
        return ""
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else ""


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return type(reason).__name__ if isinstance(reason, BaseException) else "unknown error"


def fields(body: Any, *, system: str, required: tuple[str, ...],
           optional: tuple[str, ...] = ()) -> dict[str, str]:
    """The named text fields of a JSON object answered by `system` ("" for missing optional
    ones), or a permanent ConnectorError saying which one is missing."""
    if not isinstance(body, dict):
        raise ConnectorError(f"{system}: the answer is not a JSON object", retryable=False)
    missing = [name for name in required if body.get(name) in (None, "")]
    if missing:
        raise ConnectorError(f"{system}: the answer lacks {', '.join(missing)}",
                             retryable=False)
    return {name: str(body.get(name) or "") for name in (*required, *optional)}
