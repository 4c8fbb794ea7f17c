"""Refused report requests: the documented error body, and nothing changed."""

import pytest

from opsdesk.tickets.tests.refusals import assert_error, changes_nothing

pytestmark = pytest.mark.django_db

URLS = ["/api/v1/reports/tickets?group_by=cos", "/api/v1/reports/sla",
        "/api/v1/reports/weekly?week=2026-W08&format=md"]


@pytest.mark.parametrize("url", URLS)
def test_a_requester_may_not_read_reports(api, requester, ticket_of_requester, url):
    with changes_nothing(ticket_of_requester):
        assert_error(api.as_(requester).get(url), 403, "forbidden")


@pytest.mark.parametrize("url", URLS)
def test_reports_need_a_token(api, url):
    assert_error(api.get(url), 401, "unauthorized")


@pytest.mark.parametrize("user", ["agent", "manager", "engineer", "admin_user"])
def test_desk_staff_may_read_reports(api, request, user):
    client = api.as_(request.getfixturevalue(user))
    assert all(client.get(url).status_code == 200 for url in URLS)


@pytest.mark.parametrize("week", ["2026-08", "2026-W54", "2026-W00", "W08", "next week"])
def test_a_week_that_is_not_an_iso_week_is_refused(api, agent, ticket_of_requester, week):
    with changes_nothing(ticket_of_requester):
        response = api.as_(agent).get("/api/v1/reports/weekly", {"week": week})
    error = assert_error(response, 422, "invalid", fields=("week",))
    assert "2026-W08" in error["message"]


def test_an_unknown_format_is_refused(api, agent):
    response = api.as_(agent).get("/api/v1/reports/weekly", {"week": "2026-W08",
                                                             "format": "docx"})
    assert_error(response, 422, "invalid", fields=("format",))


def test_an_unknown_group_is_refused(api, agent, ticket_of_requester):
    with changes_nothing(ticket_of_requester):
        response = api.as_(agent).get("/api/v1/reports/tickets", {"group_by": "colour"})
    error = assert_error(response, 422, "invalid", fields=("group_by",))
    assert "stage" in error["fields"]["group_by"]


@pytest.mark.parametrize("path", ["/api/v1/reports/tickets", "/api/v1/reports/sla"])
def test_from_after_to_is_refused(api, agent, ticket_of_requester, path):
    with changes_nothing(ticket_of_requester):
        response = api.as_(agent).get(path, {"from": "2026-02-22", "to": "2026-02-16"})
    error = assert_error(response, 422, "invalid", fields=("from",))
    assert "after" in error["message"]


def test_a_date_that_is_not_a_date_is_refused(api, agent):
    response = api.as_(agent).get("/api/v1/reports/sla", {"from": "last monday"})
    assert_error(response, 422, "invalid", fields=("from",))
