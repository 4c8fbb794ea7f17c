"""The REST API root: one NinjaAPI, its auth, and the error format of API.md."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .auth import TokenAuth
from .errors import DomainError

STATUS_FOR_CODE = {
    "invalid": 422,
    "not_found": 404,
    "forbidden": 403,
    "conflict": 409,
    "illegal_transition": 409,
    "stale_version": 409,
    "verification_pending": 409,
    "too_large": 413,
}

api = NinjaAPI(
    title="opsdesk API",
    version="1",
    description="Support and incident desk for learning platforms. See API.md.",
    auth=TokenAuth(),
    urls_namespace="api",
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> HttpResponse:
    """A response in the documented error format."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = STATUS_FOR_CODE.get(exc.code, 400)
    return error_response(request, status, exc.code, exc.message, exc.fields)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = {_field_name(e): e.get("msg", "invalid") for e in exc.errors}
    return error_response(request, 422, "invalid", "The request is not valid.", fields)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthorized", "A valid API token is required.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "error", str(exc))


def _field_name(error: dict[str, Any]) -> str:
    # ninja prefixes a location with its source ("body", "query") and, for a schema
    # parameter, the parameter's name: handlers name theirs `payload` or `filters`.
    loc = [str(p) for p in error.get("loc", ())]
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]
    if loc and loc[0] in ("payload", "filters"):
        loc = loc[1:]
    return ".".join(loc) or "request"


def register_routers() -> None:
    """Attach each app's router (imported here so apps stay independent)."""
    from opsdesk.alerts.api import router as alerts_router
    from opsdesk.automation.api import router as automation_router
    from opsdesk.communications.api import router as communications_router
    from opsdesk.duplicates.api import router as duplicates_router
    from opsdesk.incidents.api import router as incidents_router
    from opsdesk.playbooks.api import router as playbooks_router
    from opsdesk.postmortems.api import router as postmortems_router
    from opsdesk.reports.api import router as reports_router
    from opsdesk.sla.api import router as sla_router
    from opsdesk.status.api import router as status_router
    from opsdesk.tickets.api import router as tickets_router
    from opsdesk.tickets.api_checks import router as checks_router
    from opsdesk.tickets.api_escalations import router as escalations_router
    from opsdesk.tickets.api_merge import router as merge_router

    api.add_router("", duplicates_router)  # /tickets/duplicate-check, before /tickets/{id}
    api.add_router("/tickets", tickets_router)
    api.add_router("", escalations_router)
    api.add_router("", checks_router)
    api.add_router("", merge_router)
    api.add_router("/sla", sla_router)
    api.add_router("", communications_router)
    api.add_router("", automation_router)
    api.add_router("", playbooks_router)
    api.add_router("", reports_router)
    api.add_router("/incidents", incidents_router)
    api.add_router("", postmortems_router)  # /incidents/{id}/postmortem, /actions
    api.add_router("/status", status_router)
    api.add_router("/alerts", alerts_router)


register_routers()
