"""Query-count budgets for the queue page (issue 7): its queries must not grow with the
tickets it lists (no query per row for requester, assignee, team, tags, impact or SLA)."""

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from opsdesk.accounts.models import Role, Team
from opsdesk.accounts.services import create_user
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import tickets as ticket_workflow

# Ceilings, a little above today's counts (session, user, the page's rows with their
# relations and incident hints, the active incidents to link to, cached tags and counts); the
# count itself is asserted equal at 10 and 60 tickets.
QUEUE_BUDGET = 14
# The side-bar counts (fetched by the page's script, at most once per 30 s for everyone): one
# count per queue, and the database cache's write of its two entries.
COUNTS_BUDGET = 42
TITLES = ("Cannot submit the quiz in {g}", "Không đăng nhập được LMS - lớp {g}",
          "Video lesson {n} does not play for {g}")
GROUPS = ("WEB101-HN", "WEB102-HN", "DATA101-SG")


def add_tickets(count: int, *, start: int, agent: Any, manager: Any) -> None:
    """Tickets unlike each other: their own requester, tags, assignee, team and groups."""
    teams = [Team.objects.get_or_create(name=name)[0] for name in ("Support", "Dev Team")]
    for n in range(start, start + count):
        group = GROUPS[n % 3]
        requester = create_user(email=f"person{n}@campus.example.edu.vn", role=Role.REQUESTER,
                                name=f"Person {n}")
        ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
            requester=requester, title=TITLES[n % 3].format(g=group, n=n),
            tags=[f"tag{n % 7}", "LMS"], assignee=(agent, manager, None)[n % 3], team=teams[n % 2],
            language=("en", "vi")[n % 2],
            impact=Impact(affected_users=5 + n, groups=[(group, 5 + n)])))


def queries_of(client: Client, path: str) -> int:
    cache.clear()
    assert client.get(path).status_code == 200  # the first request warms what it may cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


PATHS = {"/desk/": QUEUE_BUDGET, "/desk/?stage=new&order=-priority": QUEUE_BUDGET,
         "/desk/counts": COUNTS_BUDGET}


@pytest.mark.parametrize("path", PATHS)
def test_the_queue_page_costs_the_same_queries_for_10_and_60_tickets(agent, manager, path):
    client = Client()
    client.force_login(agent)
    add_tickets(10, start=0, agent=agent, manager=manager)
    with_10 = queries_of(client, path)
    add_tickets(50, start=10, agent=agent, manager=manager)
    with_60 = queries_of(client, path)
    print(f"\n{path}: {with_10} queries with 10 tickets, {with_60} with 60")
    assert with_10 == with_60 <= PATHS[path], (with_10, with_60)


def test_the_queue_page_lists_the_tickets_it_was_counted_with(agent, manager,
                                                           django_assert_max_num_queries):
    client = Client()
    client.force_login(agent)
    add_tickets(60, start=0, agent=agent, manager=manager)
    client.get("/desk/")
    with django_assert_max_num_queries(QUEUE_BUDGET):
        page = client.get("/desk/").content.decode()
    assert page.count("person") >= 50 or page.count("Person ") >= 50


INCIDENT_BUDGET = 13  # session, user, the incident and its components, its tickets with their
# clocks, groups, updates, events and follow-ups (11 today)


def test_the_incident_page_costs_the_same_queries_for_10_and_60_linked_tickets(agent, manager):
    from opsdesk.tickets.models import Ticket
    from opsdesk.workflows import incidents as incident_workflow

    client = Client()
    client.force_login(agent)
    add_tickets(10, start=0, agent=agent, manager=manager)
    incident = incident_workflow.open_incident(title="LMS outage", actor=agent, owner=agent)
    counts = []
    for more in (0, 50):
        add_tickets(more, start=10, agent=agent, manager=manager)
        incident_workflow.link_tickets(incident=incident, actor=agent,
                                       tickets=list(Ticket.objects.all()))
        incident_workflow.post_update(incident=incident, actor=agent, body=f"{more} more")
        counts.append(queries_of(client, f"/desk/incidents/{incident.pk}/"))
    print(f"\nincident page: {counts[0]} queries with 10 linked tickets, {counts[1]} with 60")
    assert counts[0] == counts[1] <= INCIDENT_BUDGET, counts
