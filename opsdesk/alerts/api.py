"""The alerts API (API.md "Alerts in"): monitoring systems post their alerts here.

These endpoints take no user token: each source proves itself with its own secret, in
`?token=`, `Authorization: Bearer …` or `X-Opsdesk-Token`. A bad secret is refused (401)
before the body is read; a body that cannot be read is refused (400); neither stores
anything.
"""

import json
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from opsdesk.core.errors import InvalidInput
from opsdesk.tickets.schemas import ErrorOut
from opsdesk.workflows.alerts import AlertsReceived, alert_received

from . import services
from .formats import PARSERS
from .models import SourceKind

router = Router(tags=["alerts"])


class AlertsReceivedOut(Schema):
    fired: int
    repeats: int
    resolved: int
    ignored: int
    incidents: list[int]
    opened: list[int]


class GenericAlertIn(Schema):
    """An alert in opsdesk's generic form."""

    source: str = ""
    key: str
    status: str = Field(description="firing or resolved")
    title: str
    severity: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    description: str = ""
    started_at: str | None = Field(None, description="RFC 3339")
    ended_at: str | None = Field(None, description="RFC 3339")
    group: str = Field("", description="Alerts of one group share an incident.")
    components: list[str] = Field(default_factory=list)


RESPONSES: dict[int, Any] = {200: AlertsReceivedOut, 400: ErrorOut, 401: ErrorOut,
                             413: ErrorOut}
SECRET = [{"in": "query", "name": "token", "required": False, "schema": {"type": "string"},
           "description": "The source's secret (or Authorization: Bearer, X-Opsdesk-Token)."}]


def body_of(schema: dict[str, Any], *, form: bool = False) -> dict[str, Any]:
    """The OpenAPI description of a monitoring system's body (read from the raw request)."""
    content = {"application/json": {"schema": schema}}
    if form:
        content["application/x-www-form-urlencoded"] = {"schema": schema}
    return {"requestBody": {"required": True, "content": content}, "parameters": SECRET}


@router.post("/alertmanager", response=RESPONSES, auth=None,
             openapi_extra=body_of({"type": "object", "description": "Alertmanager's webhook "
                                    "message, version 4"}),
             summary="Prometheus Alertmanager webhook (version 4)")
def alertmanager(request: HttpRequest) -> Any:
    return _receive(request, SourceKind.ALERTMANAGER)


@router.post("/azure-monitor", response=RESPONSES, auth=None,
             openapi_extra=body_of({"type": "object", "description": "Azure Monitor's "
                                    "common alert schema"}),
             summary="Azure Monitor action group webhook (common alert schema)")
def azure_monitor(request: HttpRequest) -> Any:
    return _receive(request, SourceKind.AZURE_MONITOR)


@router.post("/uptimerobot", response=RESPONSES, auth=None,
             openapi_extra=body_of({"type": "object", "description": "UptimeRobot's alert "
                                    "variables (monitorID, alertType, …)"}, form=True),
             summary="UptimeRobot webhook (JSON or form)")
def uptimerobot(request: HttpRequest) -> Any:
    return _receive(request, SourceKind.UPTIMEROBOT)


@router.post("/generic", response=RESPONSES, auth=None,
             openapi_extra=body_of(GenericAlertIn.model_json_schema()),
             summary="An alert in opsdesk's form: {source, key, status, title, severity, "
                     "details}")
def generic(request: HttpRequest) -> Any:
    return _receive(request, SourceKind.GENERIC)


def _receive(request: HttpRequest, kind: SourceKind) -> Any:
    source = services.source_for_secret(kind=kind, secret=_secret(request))
    if source is None:
        return Status(401, _error("unauthorized", f"A valid secret of a {kind.label} alert "
                                                  "source is required (?token= or a bearer "
                                                  "token)."))
    try:
        signals = PARSERS[kind](_payload(request))
    except InvalidInput as exc:
        return Status(400, _error(exc.code, exc.message, exc.fields))
    return Status(200, _out(alert_received(source=source, signals=signals)))


def _secret(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("X-Opsdesk-Token", "") or request.GET.get("token", "")


def _payload(request: HttpRequest) -> Any:
    """The body as JSON, or a form's fields (UptimeRobot can post either)."""
    if request.content_type == "application/x-www-form-urlencoded":
        return {name: request.POST.get(name) for name in request.POST}
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("The alert cannot be read: the body is not JSON.",
                           fields={"body": "must be JSON"}) from None


def _error(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _out(received: AlertsReceived) -> dict[str, Any]:
    return {"fired": received.fired, "repeats": received.repeats,
            "resolved": received.resolved, "ignored": received.ignored,
            "incidents": sorted(received.incidents), "opened": received.opened}
