"""GET /api/v1/reports/weekly: one computed report, as Markdown, CSV and PDF."""

import csv
import io
import re
from collections import Counter

import pytest
from pypdf import PdfReader

from opsdesk.reports.render import duration

from .conftest import WEEK

pytestmark = pytest.mark.django_db


def weekly(api, user, fmt, week=WEEK):
    params = {"format": fmt} if week is None else {"week": week, "format": fmt}
    return api.as_(user).get("/api/v1/reports/weekly", params)


def expected_counts(desk_week):
    in_week = [p for p in desk_week if p.in_week]
    return {
        "opened": len(in_week),
        "resolved": sum(p.resolved_in_week for p in desk_week),
        "closed": sum(1 for p in in_week if p.close_after),
        "cos": Counter(p.cos for p in in_week),
        "tag": Counter(t for p in in_week for t in p.tags),
    }


def test_markdown_has_the_weeks_figures(api, agent, desk_week):
    response = weekly(api, agent, "md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    want = expected_counts(desk_week)
    assert text.startswith(f"# Weekly report {WEEK}\n")
    assert "16 Feb 2026 – 22 Feb 2026 (Asia/Ho_Chi_Minh)" in text
    for key in ("opened", "resolved", "closed"):
        assert f"| {key.capitalize()} | {want[key]} |" in text
    assert f"| Expedite | {want['cos']['expedite']} | 25.0 % |" in text
    assert f"| Standard | {want['cos']['standard']} | 50.0 % |" in text
    assert f"| exam | {want['tag']['exam']} | 50.0 % |" in text
    assert "| Acknowledge | All | 2 | 1 | 1 | 66.7 % |" in text
    waits = sorted(p.reply_after.total_seconds() for p in desk_week if p.in_week and p.reply_after)
    assert f"| Time to acknowledge (MTTA) | {len(waits)} | " \
           f"{duration(sum(waits) / len(waits))} | {duration(waits[1])} |" in text


def test_csv_rows_carry_the_same_figures(api, agent, desk_week):
    response = weekly(api, agent, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="opsdesk-weekly-{WEEK}.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    want = expected_counts(desk_week)
    summary = {r["key"]: int(r["count"]) for r in rows if r["section"] == "summary"}
    assert summary == {k: want[k] for k in ("opened", "resolved", "closed")}
    assert {r["key"]: int(r["count"]) for r in rows if r["section"] == "cos"} == want["cos"]
    assert {r["key"]: int(r["count"]) for r in rows if r["section"] == "tag"} == want["tag"]
    ack = next(r for r in rows if r["section"] == "sla" and r["key"] == "ack/all")
    assert (int(ack["met"]), int(ack["breached"]), float(ack["attainment"])) == (2, 1, 0.6667)
    mttr = next(r for r in rows if r["section"] == "durations" and r["key"] == "mttr")
    resolved = [p.resolve_after.total_seconds() for p in desk_week if p.resolved_in_week]
    assert int(mttr["count"]) == len(resolved)
    assert float(mttr["mean_seconds"]) == round(sum(resolved) / len(resolved), 1)


def bars(page):
    """Widths of the filled rectangles drawn on a page (the chart's bars)."""
    content = page.get_contents().get_data().decode("latin-1")
    return [float(w) for w in re.findall(r"[\d.]+ [\d.]+ ([\d.]+) -?[\d.]+ re f", content)]


def test_pdf_has_a_page_with_bar_charts_as_long_as_the_counts(api, agent, desk_week):
    response = weekly(api, agent, "pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title == f"Weekly report {WEEK}"
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"Weekly report {WEEK}" in text
    assert "Class of Service (tickets opened)" in text
    assert "SLA attainment" in text and "Time to resolve (MTTR)" in text
    widths = [w for page in reader.pages for w in bars(page)]
    want = expected_counts(desk_week)
    # The first chart is by Class of Service, in class order: Expedite, Priority, Standard.
    cos = [want["cos"][c] for c in ("expedite", "priority", "standard")]
    first = widths[:3]
    assert [round(w / max(first), 3) for w in first] == [round(c / max(cos), 3) for c in cos]


def test_pdf_without_a_unicode_font_folds_vietnamese_letters(api, agent, desk_week, settings):
    settings.OPSDESK_PDF_FONT = ""
    from opsdesk.tickets.models import Tag

    Tag.objects.filter(name="login").update(name="đăng nhập")
    response = weekly(api, agent, "pdf")
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "dang nhap" in text


def test_pdf_keeps_vietnamese_letters_with_the_unicode_font(api, agent, desk_week):
    from opsdesk.tickets.models import Tag

    Tag.objects.filter(name="login").update(name="đăng nhập")
    text = PdfReader(io.BytesIO(weekly(api, agent, "pdf").content)).pages[0].extract_text()
    assert "đăng nhập" in text


def test_the_default_week_is_last_week(api, manager, desk_week):
    # desk_week leaves the clock on Tuesday of the week after 2026-W08.
    response = weekly(api, manager, "md", week=None)
    assert response.content.decode().startswith(f"# Weekly report {WEEK}\n")


def test_a_week_without_tickets_still_reports(api, agent):
    text = weekly(api, agent, "md", week="2025-W01").content.decode()
    assert "| Opened | 0 |" in text
    assert "No SLA clocks on the tickets opened this week." in text
    assert weekly(api, agent, "pdf", week="2025-W01").content.startswith(b"%PDF")
