"""Ticket references under concurrent creation, and never reused."""

import threading

import pytest
from django.db import connection

from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import Impact, create_ticket

THREADS = 8
TICKETS_PER_THREAD = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_data")
def test_concurrent_creates_get_unique_references(agent, requester):
    start = threading.Barrier(THREADS)
    failures = []

    def create_many(n):
        try:
            start.wait()
            for i in range(TICKETS_PER_THREAD):
                create_ticket(actor=agent, requester=requester, title=f"Login failure {n}.{i}",
                              tags=["LMS", "login", f"wave-{i}"],
                              impact=Impact(affected_users=i + 1))
        except Exception as exc:  # reported below: a thread's exception is otherwise lost
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create_many, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    refs = [t.ref for t in Ticket.objects.all()]
    assert len(refs) == THREADS * TICKETS_PER_THREAD
    assert len(set(refs)) == len(refs)


@pytest.mark.django_db
def test_a_deleted_reference_is_never_given_again(make_ticket):
    make_ticket()
    deleted = make_ticket().pk
    Ticket.objects.filter(pk=deleted).delete()
    assert make_ticket().pk > deleted
