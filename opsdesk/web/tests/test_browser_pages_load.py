"""Every page's own parts load from opsdesk itself: no 404s, nothing fetched from elsewhere."""

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _watch(page):
    """Collect failed and off-site requests and script errors while the tab is used."""
    trouble: list[str] = []
    page.on("response", lambda r: r.status >= 400 and trouble.append(f"{r.status} {r.url}"))
    page.on("requestfailed", lambda r: trouble.append(f"failed {r.url}"))
    page.on("request", lambda r: urlparse(r.url).hostname not in ("localhost", "127.0.0.1")
            and r.url.startswith("http") and trouble.append(f"off-site {r.url}"))
    page.on("pageerror", lambda e: trouble.append(f"script error {e}"))
    return trouble


def test_the_sign_in_page_loads_its_style_and_icon(page):
    trouble = _watch(page)
    page.goto("/accounts/login/")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Sign in to opsdesk").is_visible()
    icon = page.evaluate("fetch(document.querySelector('link[rel=icon]').href).then(r => r.status)")
    assert icon == 200
    assert trouble == []


def test_the_admin_gets_the_icon_from_favicon_ico(page, sign_in, admin_user):
    sign_in(admin_user).wait_for_load_state("networkidle")
    trouble = _watch(page)
    page.goto("/admin/")
    icon = "fetch('/favicon.ico').then(r => r.url.endsWith('/web/favicon.svg') && r.ok)"
    assert page.evaluate(icon)
    assert trouble == []


def test_the_api_docs_render_without_a_network(page, sign_in, agent):
    sign_in(agent).wait_for_load_state("networkidle")
    trouble = _watch(page)
    page.goto("/api/v1/docs")
    page.get_by_role("heading", name="opsdesk API").wait_for()
    assert page.locator(".opblock").count() > 10
    assert trouble == []


def test_a_manager_opens_the_weekly_report_and_downloads_it(page, sign_in, manager):
    sign_in(manager).wait_for_load_state("networkidle")
    trouble = _watch(page)
    page.get_by_role("link", name="Reports").click()
    page.locator("#week").fill("2026-W08")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("heading", name="Weekly report 2026-W08").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "opsdesk-weekly-2026-W08.csv"
    assert trouble == []
