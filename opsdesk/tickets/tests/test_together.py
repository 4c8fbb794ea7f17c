"""Tickets asked for at the same moment by concurrent requests are created together."""

import threading
import time

import pytest
from django.db import connection

from opsdesk.accounts.models import User
from opsdesk.accounts.services import find_or_create_requester
from opsdesk.core.errors import InvalidInput
from opsdesk.tickets import together
from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import TicketDraft

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_data")]


@pytest.fixture
def held_first_batch(monkeypatch):
    """A fresh creator whose first batch waits for `release`, and the sizes of its batches."""
    monkeypatch.setattr(together, "_creator", together._Creator())
    started, release, sizes = threading.Event(), threading.Event(), []
    real = together.create_tickets

    def create_tickets(*, actor, drafts):
        sizes.append(len(drafts))
        if len(sizes) == 1:
            started.set()
            release.wait(10)
        return real(actor=actor, drafts=drafts)

    monkeypatch.setattr(together, "create_tickets", create_tickets)
    return started, release, sizes


def _draft(title: str, email: str):
    def draft() -> TicketDraft:
        requester = find_or_create_requester(email=email, name=title, requester_role="teacher")
        return TicketDraft(requester=requester, title=title, tags=["LMS"])
    return draft


def _ask(actor: User, titles: list[str], started: threading.Event):
    """Ask for a ticket per title from threads of their own: the first alone, the others
    once it is being created; returns what each thread got (a ticket or an error)."""
    got: dict[str, object] = {}

    def ask(n: int, title: str) -> None:
        try:
            got[title] = together.create_in_turn(
                actor=actor, draft=_draft(title, f"person{n}@campus.example"))
        except Exception as exc:  # what the request would answer
            got[title] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(n, title)) for n, title in enumerate(titles)]
    _start_behind_the_first(threads, started)
    return threads, got


def _start_behind_the_first(threads: list[threading.Thread], started: threading.Event) -> None:
    """Start the first thread, and the others once its ticket is being created; return
    when they all wait for it."""
    threads[0].start()
    assert started.wait(10)
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 10
    while len(together._creator._queued) < len(threads) - 1:
        assert time.monotonic() < deadline, "the requests did not queue"
        time.sleep(0.01)


def test_requests_that_arrive_while_a_ticket_is_created_are_created_together(
        agent, held_first_batch):
    started, release, sizes = held_first_batch
    titles = ["Quiz fails for WEB101", "Quiz fails for DATA101", "Video down for UX110",
              "Không đăng nhập được MOBILE201"]
    threads, got = _ask(agent, titles, started)
    release.set()
    for thread in threads:
        thread.join(10)

    assert sizes == [1, 3]  # the first alone, the three that waited in one batch
    assert {title: t.title for title, t in got.items()} == {t: t for t in titles}
    stored = Ticket.objects.filter(pk__in=[t.pk for t in got.values()])
    assert sorted(stored.values_list("title", flat=True)) == sorted(titles)
    assert all(t.sla_clocks.exists() for t in stored)


def test_a_refused_ticket_in_a_batch_gets_its_error_and_the_others_are_created(
        agent, held_first_batch):
    started, release, sizes = held_first_batch
    titles = ["Quiz fails for WEB101", "Quiz fails for DATA101", "   ", "Video down for UX110"]
    threads, got = _ask(agent, titles, started)
    release.set()
    for thread in threads:
        thread.join(10)

    assert sizes == [1, 3, 1, 1, 1]  # the batch refused together, then one by one
    assert isinstance(got["   "], InvalidInput)
    created = {title: t for title, t in got.items() if isinstance(t, Ticket)}
    assert set(created) == {titles[0], titles[1], titles[3]}
    assert Ticket.objects.count() == 3
    # The refused ticket's new requester went with it; the others' stayed.
    assert not User.objects.filter(email="person2@campus.example").exists()
    assert User.objects.filter(email="person3@campus.example").exists()


@pytest.mark.postgres  # the live server shares one connection among its threads on SQLite
def test_concurrent_api_requests_are_created_together_and_each_gets_its_own_ticket(
        live_server, agent, held_first_batch):
    """Through the server: each request answers with the ticket it asked for."""
    import http.client
    import json
    from urllib.parse import urlsplit

    from opsdesk.accounts.services import create_token

    started, release, sizes = held_first_batch
    token = create_token(user=agent, name="test")[1]
    titles = ["Quiz fails for WEB101", "Quiz fails for DATA101", "Video down for UX110",
              "Không đăng nhập được MOBILE201"]
    answers: dict[str, tuple[int, dict]] = {}

    def post(n: int, title: str) -> None:
        body = {"title": title, "tags": ["LMS"],
                "requester": {"name": f"Teacher {n}", "email": f"teacher{n}@campus.example"}}
        server = http.client.HTTPConnection(urlsplit(live_server.url).netloc, timeout=20)
        server.request("POST", "/api/v1/tickets", body=json.dumps(body), headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = server.getresponse()
        answers[title] = (response.status, json.loads(response.read()))
        server.close()

    threads = [threading.Thread(target=post, args=(n, title)) for n, title in enumerate(titles)]
    _start_behind_the_first(threads, started)
    release.set()
    for thread in threads:
        thread.join(20)

    assert sizes == [1, 3]
    for n, title in enumerate(titles):
        status, ticket = answers[title]
        assert status == 201 and ticket["title"] == title
        assert ticket["requester"]["email"] == f"teacher{n}@campus.example"
        assert Ticket.objects.get(pk=ticket["id"]).requester.email == f"teacher{n}@campus.example"
    assert len({ticket["id"] for _, ticket in answers.values()}) == 4
