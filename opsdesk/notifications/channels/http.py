"""One small HTTP POST for every webhook-style transport, and what its outcome means.

2xx is delivered. 408, 429, 5xx, time-outs and refused or dropped connections are worth
retrying. Any other answer (4xx, and 3xx: redirects are not followed, a moved webhook must
be reconfigured) is permanent. Error messages never carry the URL (it holds the secret
token of Teams and Slack webhooks) nor the body the receiver answered, beyond a short
error code such as Slack's `no_service`.
"""

import re
import urllib.error
import urllib.request
from http.client import HTTPException
from urllib.parse import urlsplit

from .base import TransportError

TIMEOUT_SECONDS = 10.0
RETRYABLE_STATUSES = frozenset({408, 429})
_ERROR_CODE = re.compile(r"[A-Za-z0-9_. -]{1,60}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect answers with an HTTPError instead of being followed."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def check_http_url(url: str) -> None:
    """Refuse anything but an http(s) URL with a host: no file:, ftp:, or relative paths."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise TransportError("the target is not an http:// or https:// URL", permanent=True)


def post_json(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    """POST a JSON body; return the 2xx status or raise TransportError saying what failed."""
    check_http_url(url)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=body, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "opsdesk", **(headers or {})},
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(4096)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise _status_error(exc.code, exc.read(200)) from None
    except TimeoutError:
        raise TransportError(f"no answer within {TIMEOUT_SECONDS:g} s") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise TransportError(f"no answer within {TIMEOUT_SECONDS:g} s") from None
        raise TransportError(f"could not connect: {_reason(exc.reason)}") from None
    except (HTTPException, OSError) as exc:
        raise TransportError(f"the connection failed: {type(exc).__name__}") from None


def _status_error(status: int, answer: bytes) -> TransportError:
    code = answer.decode("utf-8", "replace").strip()
    detail = f"HTTP {status}" + (f" ({code})" if _ERROR_CODE.fullmatch(code) else "")
    if 300 <= status < 400:
        return TransportError(f"{detail}: redirects are not followed", permanent=True)
    retryable = status >= 500 or status in RETRYABLE_STATUSES
    return TransportError(detail, permanent=not retryable)


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return type(reason).__name__ if isinstance(reason, BaseException) else "unknown error"
