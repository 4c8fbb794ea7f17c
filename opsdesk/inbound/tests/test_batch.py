"""Ingesting many messages at once: plain new requests become tickets together, the rest
one by one, and every message ends up exactly as if each had been piped in on its own."""

import logging

import pytest

from opsdesk.accounts.models import Role
from opsdesk.accounts.services import create_user
from opsdesk.duplicates.models import DuplicateCandidate
from opsdesk.inbound.batch import ingest_batch
from opsdesk.inbound.models import InboundEmail, Outcome
from opsdesk.inbound.services import ingest_email
from opsdesk.tickets.models import MailReference, Message, Ticket

from .mails import mail

pytestmark = pytest.mark.django_db

OUTAGE = "Students of WEB102-HN cannot submit the final exam: System error on submit."


def mixed() -> list[bytes]:
    """New requests (English and Vietnamese, two about one outage), a reply to one of them
    in the same batch, a re-sent copy, an auto-reply, an attachment, a bad sender."""
    first = mail(message_id="<a@campus.example.edu.vn>", subject="Exam submission fails",
                 body=OUTAGE)
    return [
        first,
        mail(message_id="<b@campus.example.edu.vn>", from_="Tran Thi B <b@campus.example.edu.vn>",
             subject="Không nộp được bài thi - lớp WEB102-HN",
             body="Học sinh lớp WEB102-HN không nộp được bài thi, hệ thống báo lỗi."),
        mail(message_id="<c@campus.example.edu.vn>", from_="C <c@campus.example.edu.vn>",
             subject="Exam submission fails for WEB102-HN", body=OUTAGE),
        mail(message_id="<d@campus.example.edu.vn>", in_reply_to="<a@campus.example.edu.vn>",
             subject="Re: Exam submission fails", body="All 20 students see it."),
        first,
        mail(message_id="<e@campus.example.edu.vn>", headers={"Auto-Submitted": "auto-replied"}),
        mail(message_id="<f@campus.example.edu.vn>", attachments=[("s.png", "image/png", b"x")]),
        mail(message_id="<g@campus.example.edu.vn>", from_="not an address"),
        mail(message_id="<h@campus.example.edu.vn>", from_="D <d@campus.example.edu.vn>",
             subject="Gradebook shows wrong marks", body="Marks of DATA101-SG are wrong."),
    ]


def state() -> list[tuple]:
    """What ingesting left behind, per message, each ticket named by the mail it came from
    (a batch may number its tickets in another order)."""
    order = dict(InboundEmail.objects.filter(outcome=Outcome.TICKET_CREATED)
                 .values_list("ticket_id", "message_id"))
    rows = []
    for inbound in InboundEmail.objects.order_by("pk"):
        ticket = inbound.ticket
        rows.append((
            inbound.message_id, inbound.outcome, inbound.error,
            None if ticket is None else (
                order[ticket.pk], ticket.title, ticket.language, ticket.cos,
                ticket.requester.email, ticket.requester.language,
                list(Message.objects.filter(ticket=ticket).values_list("kind", "event")),
                sorted(order[c] for c in DuplicateCandidate.objects.filter(ticket=ticket)
                       .values_list("candidate_id", flat=True)),
                sorted(MailReference.objects.filter(ticket=ticket)
                       .values_list("header", flat=True)),
            ),
        ))
    return rows


def test_a_batch_ends_as_the_same_messages_ingested_one_by_one(_media_root):
    for raw in mixed():
        ingest_email(raw=raw, mailbox="test")
    one_by_one = state()
    InboundEmail.objects.all().delete()
    Ticket.objects.all().delete()

    results = ingest_batch(raws=mixed(), mailbox="test")

    assert [r.outcome for r in results] == [
        Outcome.TICKET_CREATED, Outcome.TICKET_CREATED, Outcome.TICKET_CREATED,
        Outcome.THREADED, Outcome.DUPLICATE, Outcome.IGNORED_AUTO_REPLY,
        Outcome.TICKET_CREATED, Outcome.FAILED, Outcome.TICKET_CREATED]
    assert state() == one_by_one
    outage, vietnamese = (row[3] for row in one_by_one[:2])
    assert vietnamese[2] == "vi"  # found each other in the batch:
    assert outage[7] == ["<b@campus.example.edu.vn>", "<c@campus.example.edu.vn>"]


def test_the_plain_requests_of_a_batch_take_a_few_queries_together(
        django_assert_max_num_queries):
    for n in range(30):  # known senders (a first contact costs its own few queries)
        create_user(email=f"t{n}@campus.example.edu.vn", role=Role.REQUESTER, name=f"T{n}")
    raws = [mail(message_id=f"<n{n}@campus.example.edu.vn>", subject=f"Video {n} does not play",
                 from_=f"T{n} <t{n}@campus.example.edu.vn>") for n in range(30)]
    # one pool read each; the rest together (about 25, loading the configuration included,
    # and one for the open incidents they may report)
    with django_assert_max_num_queries(30 + 31):
        results = ingest_batch(raws=raws, mailbox="test")
    assert {r.outcome for r in results} == {Outcome.TICKET_CREATED}
    assert Ticket.objects.count() == 30


def test_when_creating_together_fails_each_mail_is_kept_with_its_reason(
        failing_ticket_creation, caplog):
    raws = [mail(message_id=f"<x{n}@campus.example.edu.vn>") for n in range(3)]
    with caplog.at_level(logging.INFO, logger="opsdesk.inbound"):
        results = ingest_batch(raws=raws, mailbox="test")
    assert [r.outcome for r in results] == [Outcome.FAILED] * 3
    assert [bytes(r.raw) for r in InboundEmail.objects.order_by("pk")] == raws
    assert all(r.error == "RuntimeError: the classifier is down" for r in results)
    assert not Ticket.objects.exists()
