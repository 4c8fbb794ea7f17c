"""Ticket references under concurrent creation, and never reused."""

import threading

import pytest
from django.db import connection

from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import Impact, TicketDraft
from opsdesk.workflows.tickets import open_ticket

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
                open_ticket(actor=agent, draft=TicketDraft(
                    requester=requester, title=f"Login failure {n}.{i}",
                    tags=["LMS", "login", f"wave-{i}"], impact=Impact(affected_users=i + 1)))
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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_data")
def test_a_locked_ticket_does_not_hold_up_inserts_that_only_refer_to_it(agent, requester):
    """A fan-out job holds its ticket's row lock while it writes; a new ticket naming that
    ticket a likely duplicate (a foreign key to it) must not wait for the lock to go."""
    from django.db import transaction

    from opsdesk.duplicates.models import DuplicateCandidate
    from opsdesk.tickets.services import lock_ticket

    locked_one = open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exam page fails"))
    other = open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Projector broken, room 4"))
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                lock_ticket(ticket=locked_one, version=None)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            DuplicateCandidate.objects.create(ticket=other, candidate=locked_one, score=0.9)
    finally:
        release.set()
        holder.join(10)
    assert DuplicateCandidate.objects.filter(ticket=other, candidate=locked_one).exists()
