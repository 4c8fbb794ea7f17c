"""Every error under /api/ in the documented format, including Django's own (404, 405, 413)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
MESSAGES = {
    400: "The request could not be read.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request is too large.",
}


def api_error(status: int, code: str | None = None, message: str | None = None) -> JsonResponse:
    """A JSON error response in the format of API.md."""
    return JsonResponse({"error": {"code": code or CODES.get(status, "error"),
                                   "message": message or MESSAGES.get(status, "Error."),
                                   "fields": {}}}, status=status)


class ApiErrorFormatMiddleware:
    """Refuses oversized API requests up front and turns non-JSON API errors into JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return api_error(400)
        if limit is not None and length > limit:
            return api_error(413, message=f"The request is larger than {limit} bytes.")
        response = self.get_response(request)
        if response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            replaced = api_error(response.status_code)
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
