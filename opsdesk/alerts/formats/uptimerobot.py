"""UptimeRobot's webhook: a monitor went down, came back up, or its certificate expires soon.

UptimeRobot sends every value as text and leaves a variable it has no value for as its
placeholder (`*sslExpiryDate*`): such a value is read as absent.
"""

import re
from typing import Any

from opsdesk.alerts.models import AlertStatus

from .reading import ParsedAlert, invalid, key_of, mapping, text, title_of, unix_time

PLACEHOLDER = re.compile(r"^\*[A-Za-z]+\*$")
DOWN, UP, SSL_EXPIRY = "1", "2", "3"
DETAIL_FIELDS = ("monitorURL", "monitorFriendlyName", "alertTypeFriendlyName", "alertDetails",
                 "alertFriendlyDuration", "sslExpiryDate", "sslExpiryDaysLeft")


def parse(payload: Any) -> list[ParsedAlert]:
    """The alert of one UptimeRobot notification."""
    body = {k: v for k, v in mapping(payload, "body").items()
            if not (isinstance(v, str) and PLACEHOLDER.match(v))}
    monitor = key_of(text(body, "monitorID", "monitorID", required=True), "monitorID")
    kind = text(body, "alertType", "alertType", required=True)
    if kind not in (DOWN, UP, SSL_EXPIRY):
        raise invalid("alertType", "must be 1 (down), 2 (up) or 3 (certificate expiry)")
    name = text(body, "monitorFriendlyName", "monitorFriendlyName")
    url = text(body, "monitorURL", "monitorURL")
    what = text(body, "alertDetails", "alertDetails")
    at = unix_time(text(body, "alertDateTime", "alertDateTime"), "alertDateTime")
    shown = name or url or f"Monitor {monitor}"
    if kind == SSL_EXPIRY:
        return [ParsedAlert(
            key=f"{monitor}:ssl", status=AlertStatus.FIRING, severity="warning",
            title=title_of(f"{shown}: certificate expires soon"), started_at=at,
            description=url, components=(name,) if name else (), details=_details(body))]
    return [ParsedAlert(
        key=monitor,
        status=AlertStatus.FIRING if kind == DOWN else AlertStatus.RESOLVED,
        title=title_of(f"{shown} is down ({what})" if what else f"{shown} is down")
        if kind == DOWN else title_of(f"{shown} is up"),
        severity="down" if kind == DOWN else "up",
        started_at=at if kind == DOWN else None,
        ended_at=at if kind == UP else None,
        description=" — ".join(p for p in (url, what) if p),
        group_key=monitor,
        components=(name,) if name else (),
        details=_details(body),
    )]


def _details(body: dict[str, Any]) -> dict[str, Any]:
    return {f: body[f] for f in DETAIL_FIELDS if body.get(f) not in (None, "")}
