"""Listing tickets: filters, text and reference search, keyset pages (API.md, Lists)."""

from datetime import UTC, datetime

import pytest

from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import Impact
from opsdesk.tickets.tests.refusals import assert_error
from opsdesk.workflows import tickets as ticket_workflow

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets"


def ids(response):
    assert response.status_code == 200, response.content
    return {t["id"] for t in response.json()["items"]}


@pytest.fixture
def client(api, agent):
    return api.as_(agent)


def test_it_filters_by_stage(client, agent, make_ticket):
    started, _untouched = make_ticket(), make_ticket()
    ticket_workflow.change_stage(ticket=started, actor=agent, to="in_progress")
    assert ids(client.get(LIST, {"stage": "in_progress"})) == {started.pk}


def test_it_filters_by_several_stages_at_once(client, agent, make_ticket):
    started, waiting, _new = make_ticket(), make_ticket(), make_ticket()
    ticket_workflow.change_stage(ticket=started, actor=agent, to="in_progress")
    ticket_workflow.change_stage(
        ticket=waiting, actor=agent, to="waiting", waiting_reason="customer")
    assert ids(client.get(LIST, {"stage": "in_progress,waiting"})) == {started.pk, waiting.pk}


def test_it_filters_by_class_of_service(client, make_ticket):
    outage, _single = make_ticket(impact=Impact(affected_users=54)), make_ticket()
    assert ids(client.get(LIST, {"cos": "expedite"})) == {outage.pk}


def test_it_filters_by_tag_whatever_its_case(client, make_ticket):
    exam, _login = make_ticket(tags=["exam"]), make_ticket(tags=["login"])
    assert ids(client.get(LIST, {"tag": "EXAM"})) == {exam.pk}


def test_it_filters_by_assignee_email(client, engineer, make_ticket):
    assigned, _unassigned = make_ticket(assignee=engineer), make_ticket()
    assert ids(client.get(LIST, {"assignee": engineer.email})) == {assigned.pk}


def test_it_filters_unassigned_tickets(client, engineer, make_ticket):
    _assigned, unassigned = make_ticket(assignee=engineer), make_ticket()
    assert ids(client.get(LIST, {"assignee": "none"})) == {unassigned.pk}


def test_it_filters_by_team_name(client, dev_team, make_ticket):
    routed, _unrouted = make_ticket(team=dev_team), make_ticket()
    assert ids(client.get(LIST, {"team": "Dev Team"})) == {routed.pk}


def test_it_filters_by_requester_email(client, other_requester, make_ticket):
    _mine, theirs = make_ticket(), make_ticket(requester=other_requester)
    assert ids(client.get(LIST, {"requester": other_requester.email})) == {theirs.pk}


def test_it_searches_title_and_description(client, make_ticket):
    slow = make_ticket(title="Slow pages", description="WEB101-HN-2024 times out")
    _other = make_ticket(title="Password reset")
    assert ids(client.get(LIST, {"q": "web101-hn"})) == {slow.pk}


def test_it_finds_a_ticket_by_its_reference(client, make_ticket):
    tickets = [make_ticket(title=f"Login problem {n}") for n in range(3)]
    wanted = tickets[1]
    assert ids(client.get(LIST, {"q": wanted.ref})) == {wanted.pk}


def test_it_searches_superscript_digits_as_text(client, make_ticket):
    squared = make_ticket(title="Area in m² is wrong on the report")
    assert ids(client.get(LIST, {"q": "²"})) == {squared.pk}


def test_it_filters_by_creation_time(client, make_ticket):
    january, february, march = make_ticket(), make_ticket(), make_ticket()
    for ticket, month in ((january, 1), (february, 2), (march, 3)):
        Ticket.objects.filter(pk=ticket.pk).update(created_at=datetime(2026, month, 15, tzinfo=UTC))
    found = client.get(LIST, {"created_after": "2026-02-01T00:00:00+07:00",
                              "created_before": "2026-03-01T00:00:00+07:00"})
    assert ids(found) == {february.pk}


def test_it_lists_newest_first(client, make_ticket):
    made = [make_ticket().pk for _ in range(3)]
    items = client.get(LIST).json()["items"]
    assert [t["id"] for t in items] == sorted(made, reverse=True)


def test_pages_of_two_walk_every_ticket_once(client, make_ticket):
    made = {make_ticket(title=f"Login problem {n}").pk for n in range(5)}
    seen, pages, cursor = [], 0, None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(LIST, params).json()
        assert len(page["items"]) <= 2
        seen += [t["id"] for t in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert (sorted(seen), pages) == (sorted(made), 3)


def test_a_filter_holds_across_pages(client, make_ticket):
    exams = {make_ticket(tags=["exam"]).pk for _ in range(3)}
    make_ticket(tags=["login"])
    first = client.get(LIST, {"tag": "exam", "limit": 2}).json()
    second = client.get(LIST, {"tag": "exam", "limit": 2, "cursor": first["next_cursor"]}).json()
    assert {t["id"] for t in first["items"] + second["items"]} == exams
    assert second["next_cursor"] is None


@pytest.mark.parametrize("limit", [0, 201])
def test_it_refuses_a_page_size_out_of_bounds(client, limit):
    assert_error(client.get(LIST, {"limit": limit}), 422, "invalid", fields=("limit",))


def test_it_accepts_the_largest_page_size(client, make_ticket):
    make_ticket()
    assert len(client.get(LIST, {"limit": 200}).json()["items"]) == 1


@pytest.mark.parametrize("cursor", ["garbage!", "bm90IGpzb24", "eyJhIjogMX0", "WyJ4Il0"])
def test_it_refuses_a_tampered_cursor(client, cursor):
    assert_error(client.get(LIST, {"cursor": cursor}), 422, "invalid", fields=("cursor",))


def test_it_refuses_an_unknown_stage_filter(client):
    assert_error(client.get(LIST, {"stage": "open"}), 422, "invalid", fields=("stage",))


def test_it_refuses_an_unknown_class_filter(client):
    assert_error(client.get(LIST, {"cos": "urgent"}), 422, "invalid", fields=("cos",))


def test_it_lists_times_in_the_zone_asked_for(client, make_ticket):
    make_ticket()
    [item] = client.get(LIST, {"tz": "Asia/Ho_Chi_Minh"}).json()["items"]
    assert item["created_at"].endswith("+07:00")
