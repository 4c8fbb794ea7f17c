"""GET /api/v1/reports/patterns: the period's tickets that are the same request, clustered."""

from datetime import timedelta

import pytest
import time_machine

from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import Impact, TicketDraft
from opsdesk.workflows import tickets as ticket_workflow

from .conftest import MONDAY, local

pytestmark = pytest.mark.django_db

WEEK = {"from": str(MONDAY), "to": str(MONDAY + timedelta(days=6))}
EXAM = "Students cannot submit the final exam, every submission fails with System error"
LOGIN = "I cannot log in to the LMS, my account is deactivated"


def ticket(agent, requester, at, title, description="", groups=(), users=None, minutes=0):
    with time_machine.travel(at, tick=False):
        created = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
            requester=requester, title=title, description=description,
            impact=Impact(affected_users=users, groups=list(groups) or None)))
    Ticket.objects.filter(pk=created.pk).update(time_spent_minutes=minutes)
    return created.pk


@pytest.fixture
def week(agent, requester):
    """An exam outage reported three times, a login problem three times, one of its own,
    and a report of the outage the week before (outside the period)."""
    before = ticket(agent, requester, local(MONDAY - timedelta(days=3), 9),
                    "Final exam submission fails", EXAM, [("WEB102-HN", 5)])
    outage = [
        ticket(agent, requester, local(MONDAY, 15, 10), "Exam submission down for final exams",
               EXAM, [("WEB102-HN", 20), ("DATA101-SG", 18)], users=40, minutes=90),
        ticket(agent, requester, local(MONDAY, 15, 20), "Final exam submission fails (DATA101-SG)",
               EXAM, [("DATA101-SG", 1)], minutes=5),
        ticket(agent, requester, local(MONDAY, 15, 25), "Final exam submission fails in WEB102-HN",
               EXAM, [("web102-hn", 20)], minutes=5),
    ]
    login = [ticket(agent, requester, local(MONDAY + timedelta(days=d), 10),
                    "Cannot log in: account deactivated", LOGIN, minutes=15) for d in (1, 2, 3)]
    other = ticket(agent, requester, local(MONDAY + timedelta(days=4), 11),
                   "Gradebook export is missing the midterm column",
                   "The CSV export of the gradebook has no midterm column since Friday.")
    return {"before": before, "outage": outage, "login": login, "other": other}


def report(api, user, **params):
    return api.as_(user).get("/api/v1/reports/patterns", {**WEEK, **params})


def test_the_same_request_is_one_cluster_with_its_reach_and_time(api, agent, week):
    response = report(api, agent)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == 7
    outage, login = body["clusters"]
    assert outage["ticket_ids"] == week["outage"] and outage["count"] == 3
    assert outage["label"] == "Exam submission down for final exams"
    # each class once, at its largest figure, plus the two people in no class: 20 + 18 + 2
    assert outage["users_affected"] == 40
    assert outage["time_spent_minutes"] == 100
    assert outage["share"] == round(3 / 7, 4)
    assert login["ticket_ids"] == week["login"] and login["users_affected"] == 3
    assert login["time_spent_minutes"] == 45
    assert week["before"] not in outage["ticket_ids"]
    assert body["duplicate_rate"] == round(4 / 7, 4)


def test_limit_lists_the_largest_clusters_but_the_rate_counts_them_all(api, agent, week):
    body = report(api, agent, limit=1).json()
    assert [c["ticket_ids"] for c in body["clusters"]] == [week["outage"]]
    assert body["duplicate_rate"] == round(4 / 7, 4)


def test_a_period_without_repeats_has_no_clusters(api, agent, week):
    day = MONDAY + timedelta(days=4)
    body = report(api, agent, **{"from": str(day), "to": str(day)}).json()
    assert body["total"] == 1 and body["clusters"] == [] and body["duplicate_rate"] == 0.0


def test_requesters_cannot_read_it_and_bad_input_is_refused(api, agent, requester, week):
    assert report(api, requester).status_code == 403
    assert report(api, agent, limit=0).status_code == 422
    refused = report(api, agent, **{"from": str(MONDAY), "to": str(MONDAY - timedelta(days=1))})
    assert refused.status_code == 422
