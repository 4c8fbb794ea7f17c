"""A postmortem as a file: the same bytes from the API and from the desk."""

from datetime import tzinfo

from django.http import HttpResponse, JsonResponse

from .pdf import pdf_bytes
from .queries import PostmortemView
from .render import as_json, render_markdown

CONTENT_TYPES = {"md": "text/markdown; charset=utf-8", "pdf": "application/pdf",
                 "json": "application/json"}
FORMATS = tuple(CONTENT_TYPES)
# The API's postmortem (token): reverse(API_URL, kwargs={"incident_id": …}) + ?format=.
API_URL = "api:postmortem"


def postmortem_file(*, view: PostmortemView, file_format: str, zone: tzinfo | None = None,
                    disposition: str = "inline") -> HttpResponse:
    """The postmortem in Markdown, PDF or JSON, named after its incident."""
    response: HttpResponse
    if file_format == "json":
        response = JsonResponse(as_json(view))
    elif file_format == "pdf":
        response = HttpResponse(pdf_bytes(view, zone), content_type=CONTENT_TYPES["pdf"])
    else:
        response = HttpResponse(render_markdown(view, zone), content_type=CONTENT_TYPES["md"])
    name = f"opsdesk-postmortem-{view.incident.ref}.{file_format}"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response
