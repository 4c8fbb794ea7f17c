"""GET /api/v1/reports/tickets: tickets created in a period, counted by one dimension."""

from collections import Counter

import pytest

from .conftest import MONDAY, NEXT_MONDAY

pytestmark = pytest.mark.django_db

WEEK = {"from": str(MONDAY), "to": str(NEXT_MONDAY.replace(day=22))}


def report(api, agent, **params):
    response = api.as_(agent).get("/api/v1/reports/tickets", params)
    assert response.status_code == 200, response.content
    return response.json()


def by_key(body):
    return {g["key"]: g["count"] for g in body["groups"]}


def test_it_counts_the_tickets_of_the_week_by_class_of_service(api, agent, desk_week):
    body = report(api, agent, **WEEK, group_by="cos")
    in_week = [p for p in desk_week if p.in_week]
    assert body["total"] == len(in_week) == 4
    assert by_key(body) == Counter(p.cos for p in in_week)
    for group in body["groups"]:
        assert group["share"] == round(group["count"] / body["total"], 4)


def test_days_and_the_week_end_are_the_desks_not_utc(api, agent, desk_week):
    body = report(api, agent, **WEEK, group_by="created_date")
    expected = Counter(str(p.received.date()) for p in desk_week if p.in_week)
    assert by_key(body) == expected
    assert "2026-02-22" in expected  # the Sunday 23:30 ticket is 16:30 UTC
    assert [g["key"] for g in body["groups"]] == sorted(expected)


def test_a_ticket_counts_once_under_each_of_its_tags(api, agent, desk_week):
    body = report(api, agent, **WEEK, group_by="tag")
    in_week = [p for p in desk_week if p.in_week]
    expected = Counter(t for p in in_week for t in p.tags)
    expected[None] = sum(1 for p in in_week if not p.tags)
    assert by_key(body) == expected
    assert body["total"] == len(in_week)


def test_stage_assignee_and_team(api, agent, desk_week):
    in_week = [p for p in desk_week if p.in_week]
    stages = report(api, agent, **WEEK, group_by="stage")
    assert by_key(stages) == Counter(p.ticket.stage for p in in_week)
    assert [g["key"] for g in stages["groups"]] == ["new", "resolved", "closed"]
    assignees = report(api, agent, **WEEK, group_by="assignee")
    assert assignees["groups"] == [{"key": agent.email, "label": agent.name, "count": 4,
                                    "share": 1.0}]
    teams = report(api, agent, **WEEK, group_by="team")
    assert by_key(teams) == {"Dev Team": sum(p.team for p in in_week),
                             None: sum(not p.team for p in in_week)}


def test_one_day_periods_include_the_whole_day(api, manager, desk_week):
    body = report(api, manager, **{"from": "2026-02-22", "to": "2026-02-22"}, group_by="cos")
    assert body["total"] == 1
    assert body["from"] == body["to"] == "2026-02-22"
    assert body["time_zone"] == "Asia/Ho_Chi_Minh"


def test_an_empty_period_has_no_groups(api, agent, desk_week):
    body = report(api, agent, **{"from": "2025-01-01", "to": "2025-01-31"}, group_by="tag")
    assert body == {"from": "2025-01-01", "to": "2025-01-31", "group_by": "tag",
                    "time_zone": "Asia/Ho_Chi_Minh", "groups": [], "total": 0}
