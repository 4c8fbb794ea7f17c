"""The weekly report in the workspace (/desk/reports/weekly/): the API's figures on a page,
and the same files to download."""

import re

import pytest
from django.test import Client

from .conftest import WEEK
from .test_weekly_report import expected_counts, weekly

pytestmark = pytest.mark.django_db

PAGE = "/desk/reports/weekly/"


def signed_in(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def cells(html, label):
    """The cells of the row headed `label`."""
    row = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', html, re.S)
    assert row, f"no row {label!r}"
    return re.findall(r"<td>(.*?)</td>", row[1])


def test_a_manager_reads_the_weeks_figures(manager, desk_week):
    response = signed_in(manager).get(PAGE, {"week": WEEK})
    html = response.content.decode()
    want = expected_counts(desk_week)
    assert response.status_code == 200
    assert cells(html, "Opened") == [str(want["opened"])]
    assert cells(html, "Resolved") == [str(want["resolved"])]
    assert cells(html, "Closed") == [str(want["closed"])]
    assert cells(html, "Expedite") == [str(want["cos"]["expedite"]), "25.0 %"]
    assert cells(html, "exam") == [str(want["tag"]["exam"]), "50.0 %"]
    assert cells(html, "Acknowledge")[:5] == ["All", "2", "1", "1", "66.7 %"]


def test_without_a_week_it_shows_last_week(agent, desk_week):
    html = signed_in(agent).get(PAGE).content.decode()
    assert re.search(r'<input id="week" name="week" type="week" value="\d{4}-W\d{2}"', html)


def test_the_downloads_are_the_files_the_api_gives(api, agent, desk_week):
    client = signed_in(agent)
    for file_format in ("md", "csv"):
        page_file = client.get(f"/desk/reports/weekly.{file_format}", {"week": WEEK})
        assert page_file.status_code == 200
        assert page_file.content == weekly(api, agent, file_format).content
        assert page_file["Content-Disposition"] == \
            f'attachment; filename="opsdesk-weekly-{WEEK}.{file_format}"'
    pdf = client.get("/desk/reports/weekly.pdf", {"week": WEEK})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_bad_week_is_refused_with_a_clear_message(agent):
    response = signed_in(agent).get(PAGE, {"week": "last tuesday"})
    assert response.status_code == 400
    assert "is not a week; choose one, or write it like 2026-W08." in response.content.decode()
    assert signed_in(agent).get("/desk/reports/weekly.csv", {"week": "2026-W99"}).status_code == 400
    assert signed_in(agent).get("/desk/reports/weekly.xlsx", {"week": WEEK}).status_code == 404


def test_the_page_speaks_vietnamese(manager, desk_week):
    html = signed_in(manager, "vi").get(PAGE, {"week": WEEK}).content.decode()
    assert "Báo cáo tuần" in html and "Thời gian phản hồi (MTTA)" in html


def test_requesters_and_strangers_do_not_see_it(requester):
    assert signed_in(requester).get(PAGE).status_code == 403
    assert signed_in(requester).get("/desk/reports/weekly.md").status_code == 403
    assert Client().get(PAGE).status_code == 302
