"""The weekly report as a PDF (fpdf2): summary, bar charts and the SLA tables."""

import logging
import unicodedata
from pathlib import Path

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .render import SECTIONS, cos_label, duration, groups_of, heading, percent, target_label
from .services import Group, WeeklyReport

# fontTools logs every table it prunes while fpdf2 subsets the font: not worth a log line.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

BAR_COLOUR = (43, 98, 172)
TEXT_COLOUR = (33, 37, 41)
LABEL_WIDTH = 55.0
CHART_WIDTH = 95.0
BAR_HEIGHT = 5.0
LINE = 6.0
# A TrueType font with Vietnamese letters; without one, text is folded to Latin-1.
DEFAULT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FOLDED = str.maketrans({"đ": "d", "Đ": "D", "–": "-", "—": "-", "·": "-"})


class ReportPdf(FPDF):
    """An A4 page with a Unicode font when one is installed (Vietnamese names need it)."""

    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=15)
        configured = getattr(settings, "OPSDESK_PDF_FONT", DEFAULT_FONT)
        font = Path(configured) if configured else None
        self.unicode = font is not None and font.is_file()
        if font is not None and self.unicode:
            self.add_font("Report", "", str(font))
            bold = font.with_name(f"{font.stem}-Bold{font.suffix}")
            self.add_font("Report", "B", str(bold if bold.is_file() else font))
        self.family = "Report" if self.unicode else "Helvetica"

    def text_of(self, value: str) -> str:
        """The text as the font can draw it: as is, or folded to Latin-1 without one."""
        if self.unicode:
            return value
        folded = unicodedata.normalize("NFKD", value.translate(FOLDED))
        plain = "".join(c for c in folded if not unicodedata.combining(c))
        return plain.encode("latin-1", "replace").decode("latin-1")

    def paragraph(self, text: str, *, size: float = 10, bold: bool = False,
                  height: float = LINE) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, height, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def fitted(self, text: str, width: float) -> str:
        """The text, shortened with an ellipsis until it fits `width` (current font)."""
        text = self.text_of(text)
        ellipsis = "…" if self.unicode else "..."
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + ellipsis) > width:
            text = text[:-1]
        return text + ellipsis

    def row(self, cells: list[str], widths: list[float], *, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", 9)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            self.cell(width, LINE, self.fitted(cell, width - 1), align="L" if i == 0 else "R")
        self.ln(LINE)

    def bar_chart(self, title: str, groups: list[Group]) -> None:
        """Horizontal bars, one per group, as long as its count (the longest is the most)."""
        self.paragraph(title, size=12, bold=True, height=8)
        if not groups:
            self.paragraph("None.")
            return
        most = max(g.count for g in groups) or 1
        self.set_fill_color(*BAR_COLOUR)
        for g in groups:
            if self.will_page_break(LINE):
                self.add_page()
            x, y = self.l_margin, self.get_y()
            self.set_font(self.family, "", 9)
            self.cell(LABEL_WIDTH, LINE, self.fitted(g.label, LABEL_WIDTH - 2))
            width = CHART_WIDTH * g.count / most
            if width > 0:
                self.rect(x + LABEL_WIDTH, y + (LINE - BAR_HEIGHT) / 2, width, BAR_HEIGHT,
                          style="F")
            self.set_xy(x + LABEL_WIDTH + width + 2, y)
            self.cell(30, LINE, f"{g.count} ({percent(g.share)})")
            self.ln(LINE)
        self.ln(2)


def pdf_bytes(report: WeeklyReport) -> bytes:
    """The weekly report as a PDF document."""
    pdf = ReportPdf()
    pdf.set_title(f"Weekly report {report.period.label}")
    pdf.set_creator("opsdesk")
    pdf.set_text_color(*TEXT_COLOUR)
    pdf.add_page()
    pdf.paragraph(f"Weekly report {report.period.label}", size=18, bold=True, height=10)
    pdf.paragraph(heading(report), size=9)
    pdf.ln(2)
    pdf.paragraph(f"Opened {report.opened}  ·  Resolved {report.resolved}  ·  "
             f"Closed {report.closed}", size=11, bold=True)
    pdf.ln(2)
    for section, title in SECTIONS:
        pdf.bar_chart(f"{title} (tickets opened)", groups_of(report)[section])
    _sla_tables(pdf, report)
    return bytes(pdf.output())


def _sla_tables(pdf: ReportPdf, report: WeeklyReport) -> None:
    pdf.paragraph("SLA attainment (tickets opened)", size=12, bold=True, height=8)
    widths = [40.0, 30.0, 22.0, 22.0, 22.0, 30.0]
    pdf.row(["Target", "Class", "Met", "Breached", "Running", "Attainment"], widths, bold=True)
    for a in report.sla.attainment:
        pdf.row([target_label(a.target), cos_label(a.cos), str(a.met), str(a.breached),
                 str(a.running), percent(a.met_share)], widths, bold=a.cos is None)
    if not report.sla.attainment:
        pdf.paragraph("No SLA clocks on the tickets opened this week.")
    pdf.ln(4)
    pdf.paragraph("Time to acknowledge and to resolve", size=12, bold=True, height=8)
    widths = [60.0, 22.0, 30.0, 30.0, 30.0]
    pdf.row(["", "Tickets", "Mean", "Median", "90th percentile"], widths, bold=True)
    for title, d in (("Time to acknowledge (MTTA)", report.sla.mtta),
                     ("Time to resolve (MTTR)", report.sla.mttr)):
        pdf.row([title, str(d.count), duration(d.mean_seconds), duration(d.p50_seconds),
                 duration(d.p90_seconds)], widths)
