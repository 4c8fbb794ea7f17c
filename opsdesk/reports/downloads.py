"""The weekly report as a file: the same bytes from the API and from the workspace."""

from django.http import HttpResponse

from .pdf import pdf_bytes
from .render import csv_text, markdown
from .services import WeeklyReport

CONTENT_TYPES = {"md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8",
                 "pdf": "application/pdf"}
FORMATS = tuple(CONTENT_TYPES)


def weekly_file(*, report: WeeklyReport, file_format: str, disposition: str) -> HttpResponse:
    """The report in Markdown, CSV or PDF, named after its week."""
    body = {"md": markdown, "csv": csv_text, "pdf": pdf_bytes}[file_format](report)
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    name = f"opsdesk-weekly-{report.period.label}.{file_format}"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response
