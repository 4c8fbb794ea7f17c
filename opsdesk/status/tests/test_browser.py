"""The banner on an LMS page of another origin, and the status page, in headless Chromium."""

import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import NOTE

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture
def lms(live_server):
    """An LMS course page on its own origin that includes the desk's banner script:
    /?group=WEB102-HN&lang=vi."""
    desk = live_server.url

    class CoursePage(BaseHTTPRequestHandler):
        def do_GET(self):
            query = parse_qs(urlsplit(self.path).query)
            group = html.escape(query.get("group", [""])[0])
            lang = html.escape(query.get("lang", ["en"])[0])
            page = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                    f"<title>WEB102 course</title>"
                    f'<script src="{desk}/status/banner.js" data-group="{group}" '
                    f'data-lang="{lang}" defer></script></head>'
                    f"<body><h1>WEB102 · Web programming</h1><p>Week 8: final exam.</p>"
                    f"</body></html>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), CoursePage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def tab(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1200, "height": 700})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _open_course(tab, lms, group, lang="en"):
    """Open the course page and wait until the banner script has had the desk's answer."""
    with tab.expect_response(lambda r: "/api/v1/status/banner" in r.url) as answer:
        tab.goto(f"{lms}/?group={group}&lang={lang}")
    assert answer.value.status == 200
    tab.wait_for_load_state("networkidle")


def test_the_banner_shows_on_the_page_of_an_affected_group_only(transactional_db, tab, lms,
                                                                exam_outage, make_incident):
    make_incident("Quiz page <img src=x onerror=alert(1)> slow", groups=("WEB102-HN",),
                  updates=(("Quizzes load <b>slowly</b>.", "", True),))
    _open_course(tab, lms, "WEB102-HN", "vi")
    banner = tab.locator("#opsdesk-status-banner")
    text = banner.inner_text()
    assert "Exam submissions fail" in text
    assert "Chúng tôi đang kiểm tra lỗi nộp bài thi." in text
    assert "Quiz page <img src=x onerror=alert(1)> slow" in text  # shown as text, not HTML
    assert "Quizzes load <b>slowly</b>." in text
    assert banner.locator("img, b").count() == 0
    assert NOTE not in tab.content()
    assert banner.get_by_role("link", name="Trang trạng thái").get_attribute("href").endswith(
        "/status/?lang=vi")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "status-banner.png"))

    banner.get_by_role("button", name="Đóng").click()
    assert banner.count() == 0
    _open_course(tab, lms, "WEB102-HN", "vi")
    assert tab.locator("#opsdesk-status-banner").count() == 0  # dismissed until a new update

    _open_course(tab, lms, "DATA101-SG")
    assert tab.locator("#opsdesk-status-banner").count() == 0
    assert tab.get_by_role("heading", name="WEB102 · Web programming").is_visible()


def test_the_status_page_in_a_browser(transactional_db, tab, live_server, exam_outage, video):
    tab.goto(f"{live_server.url}/status/")
    assert tab.get_by_role("heading", name="Service status").is_visible()
    assert tab.get_by_role("status").first.inner_text() == "Major outage"
    assert tab.get_by_role("heading", name="Exam submissions fail").is_visible()
    assert NOTE not in tab.content()
    tab.screenshot(path=str(SCREENSHOTS / "status-page.png"), full_page=True)
    with tab.expect_navigation():
        tab.locator("#lang-select").select_option("vi")
    assert tab.get_by_role("heading", name="Trạng thái dịch vụ").is_visible()
    assert "Chúng tôi đang kiểm tra lỗi nộp bài thi." in tab.content()
