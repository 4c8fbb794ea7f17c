"""A postmortem as a PDF, drawn as the weekly report is (fpdf2, its page and font)."""

from datetime import tzinfo

from opsdesk.reports.pdf import TEXT_COLOUR, ReportPdf

from .queries import PostmortemView
from .render import (
    NOT_WRITTEN,
    action_line,
    desk_zone,
    heading,
    impact_lines,
    moment_lines,
    timeline_lines,
    timing_lines,
)

MISLEADING_COLOUR = (176, 0, 32)


def pdf_bytes(view: PostmortemView, zone: tzinfo | None = None) -> bytes:
    """The postmortem as a PDF document, its sections in the order of the Markdown."""
    zone = desk_zone(zone)
    pdf = ReportPdf()
    pdf.set_title(f"Postmortem {view.incident.ref}")
    pdf.set_creator("opsdesk")
    pdf.set_text_color(*TEXT_COLOUR)
    pdf.add_page()
    pdf.paragraph(f"Postmortem: {view.incident.title}", size=16, bold=True, height=8)
    pdf.paragraph(heading(view, zone), size=9)
    _text(pdf, "Summary", view.summary)
    _lines(pdf, "Duration", timing_lines(view) + moment_lines(view, zone))
    _lines(pdf, "Impact", impact_lines(view))
    _text(pdf, "Trigger", view.trigger)
    _text(pdf, "Detection", view.detection)
    _text(pdf, "Root cause", view.root_cause)
    _text(pdf, "Resolution", view.resolution)
    _timeline(pdf, view, timeline_lines(view, zone))
    _section(pdf, "Corrective and preventive actions")
    for title, items in (("Corrective", view.corrective), ("Preventive", view.preventive)):
        pdf.paragraph(title, bold=True)
        for line in [action_line(a) for a in items] or ["None yet."]:
            pdf.paragraph(f"•  {line}" if pdf.unicode else f"-  {line}")
    _text(pdf, "Lessons learned", view.lessons)
    return bytes(pdf.output())


def _section(pdf: ReportPdf, title: str) -> None:
    pdf.ln(3)
    pdf.paragraph(title, size=12, bold=True, height=8)


def _text(pdf: ReportPdf, title: str, text: str) -> None:
    _section(pdf, title)
    pdf.paragraph(text or NOT_WRITTEN)


def _lines(pdf: ReportPdf, title: str, lines: list[str]) -> None:
    _section(pdf, title)
    for line in lines:
        pdf.paragraph(line)


def _timeline(pdf: ReportPdf, view: PostmortemView, lines: list[str]) -> None:
    _section(pdf, "Timeline")
    for step, line in zip(view.timeline, lines, strict=True):
        if step.misleading:  # kept, and drawn so that nobody takes it for the way forward
            pdf.set_text_color(*MISLEADING_COLOUR)
        pdf.paragraph(line, size=9)
        pdf.set_text_color(*TEXT_COLOUR)
    if not lines:
        pdf.paragraph("Nothing recorded.")
