"""GET /api/v1/reports/sla: attainment per target and CoS, MTTA and MTTR."""

import statistics
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opsdesk.reports.periods import iso_week
from opsdesk.reports.services import time_to_resolve
from opsdesk.tickets.models import Ticket

from .conftest import MONDAY

pytestmark = pytest.mark.django_db

WEEK = {"from": str(MONDAY), "to": "2026-02-22"}


def summary_of(seconds):
    """What the report must say about these durations (percentiles as percentile_cont)."""
    deciles = statistics.quantiles(seconds, n=10, method="inclusive")
    return {"count": len(seconds), "mean_seconds": round(statistics.fmean(seconds), 1),
            "p50_seconds": round(statistics.median(seconds), 1),
            "p90_seconds": round(deciles[8], 1)}


def sla(api, user, **params):
    response = api.as_(user).get("/api/v1/reports/sla", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_ack_attainment_per_class_of_service(api, agent, desk_week):
    body = sla(api, agent, **WEEK)
    rows = {(r["target"], r["cos"]): r for r in body["attainment"]}
    in_week = [p for p in desk_week if p.in_week]
    for cos in {p.cos for p in in_week}:
        outcomes = Counter(p.ack for p in in_week if p.cos == cos)
        row = rows[("ack", cos)]
        assert (row["met"], row["breached"], row["running"]) == (
            outcomes["met"], outcomes["breached"], outcomes["running"]), cos
    every = Counter(p.ack for p in in_week)
    assert rows[("ack", None)]["met"] == every["met"] == 2
    assert rows[("ack", None)]["breached"] == every["breached"] == 1
    assert rows[("ack", None)]["met_share"] == round(2 / 3, 4)
    assert rows[("ack", None)]["breached_share"] == round(1 / 3, 4)


def test_resolve_clocks_of_tickets_resolved_in_time_are_met(api, agent, desk_week):
    rows = {(r["target"], r["cos"]): r for r in sla(api, agent, **WEEK)["attainment"]}
    resolved = [p for p in desk_week if p.in_week and p.resolve_after]
    assert rows[("resolve", None)]["met"] == len(resolved) == 2
    assert rows[("resolve", None)]["running"] == 2
    assert rows[("resolve", None)]["met_share"] == 1.0


def test_mtta_is_from_receipt_to_the_first_reply(api, agent, desk_week):
    body = sla(api, agent, **WEEK)
    waits = [p.reply_after.total_seconds() for p in desk_week if p.in_week and p.reply_after]
    assert body["mtta"] == summary_of(waits)


def test_mttr_covers_the_tickets_resolved_in_the_period(api, agent, desk_week):
    body = sla(api, agent, **WEEK)
    resolved = [p for p in desk_week if p.resolve_after and p.resolved_in_week]
    assert len(resolved) == 3  # two opened this week, one the week before
    assert body["mttr"] == summary_of([p.resolve_after.total_seconds() for p in resolved])


def test_a_period_without_tickets_has_no_durations(api, agent, desk_week):
    body = sla(api, agent, **{"from": "2025-01-01", "to": "2025-01-07"})
    empty = {"count": 0, "mean_seconds": None, "p50_seconds": None, "p90_seconds": None}
    assert body["attainment"] == []
    assert body["mtta"] == body["mttr"] == empty


@pytest.mark.parametrize("count", [1, 2, 5, 10, 11])
def test_percentiles_interpolate_like_percentile_cont(agent, requester, count):
    hours = [3, 1, 8, 2, 13, 5, 21, 34, 1, 55, 89][:count]
    tickets = Ticket.objects.bulk_create(
        Ticket(title=f"t{i}", requester=requester, created_by=agent) for i in hours)
    period = iso_week("2026-W08")
    for ticket, h in zip(tickets, hours, strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(
            received_at=period.starts, resolved_at=period.starts + timedelta(hours=h))
    got = time_to_resolve(period=period)
    seconds = [h * 3600.0 for h in hours]
    if count == 1:
        assert (got.p50_seconds, got.p90_seconds) == (seconds[0], seconds[0])
    else:
        assert {"count": got.count, "mean_seconds": got.mean_seconds,
                "p50_seconds": got.p50_seconds, "p90_seconds": got.p90_seconds} == \
            summary_of(seconds)


def test_durations_are_aggregated_by_the_database(desk_week):
    with CaptureQueriesContext(connection) as queries:
        durations = time_to_resolve(period=iso_week("2026-W08"))
    assert durations.count == 3
    text = " ".join(q["sql"] for q in queries.captured_queries).lower()
    if connection.vendor == "postgresql":  # one query: count, mean and percentile_cont
        assert len(queries) == 1 and text.count("percentile_cont") == 2
    else:  # count and mean, then two rows per percentile (ORDER BY … LIMIT 2 OFFSET n)
        assert len(queries) == 3 and "limit 2" in text
