"""Malformed and hostile mail: a clear record of what went wrong, and nothing else lost."""

import base64
import logging
from pathlib import Path

import pytest

from opsdesk.accounts.models import User
from opsdesk.inbound.models import InboundEmail, Outcome
from opsdesk.inbound.services import ingest_email
from opsdesk.tickets.models import Attachment, MessageKind, Ticket

from .mails import mail, sent_reference, with_large_attachment

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def ingest(raw: bytes) -> InboundEmail:
    return ingest_email(raw=raw, mailbox="test")


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# Attachments -------------------------------------------------------------------------------


def test_attachments_are_stored_on_the_ticket(_media_root):
    pdf = b"%PDF-1.4 screenshot of the error"
    inbound = ingest(mail(attachments=[("error screen.pdf", "application/pdf", pdf)]))
    [attachment] = Attachment.objects.filter(ticket=inbound.ticket)
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "error screen.pdf", "application/pdf", len(pdf))
    assert attachment.file.read() == pdf
    assert Path(attachment.file.path).is_relative_to(_media_root)


def test_a_reply_keeps_its_attachment_on_its_message(ticket_of_requester):
    sent = sent_reference(ticket_of_requester)
    inbound = ingest(mail(body="Screenshot attached.", in_reply_to=sent,
                          attachments=[("shot.png", "image/png", b"\x89PNG...")]))
    [attachment] = Attachment.objects.all()
    assert attachment.message == inbound.timeline_message
    assert attachment.ticket == ticket_of_requester


def test_a_20_mb_attachment_is_skipped_and_the_rest_is_kept(_media_root, caplog):
    raw = with_large_attachment(body="Logs attached.", filename="dump.bin", size=20 * MB)
    with caplog.at_level(logging.WARNING, logger="opsdesk.inbound"):
        inbound = ingest(raw)

    assert inbound.outcome == Outcome.TICKET_CREATED
    assert [a.filename for a in Attachment.objects.all()] == ["server.log"]
    assert "Logs attached." in inbound.ticket.description
    assert "“dump.bin” (20.0 MB) was not stored" in inbound.ticket.description
    assert "10.0 MB limit" in inbound.ticket.description
    assert any("over the limit" in r.getMessage() for r in caplog.records)
    assert len(files_under(_media_root)) == 1
    assert InboundEmail.objects.get(pk=inbound.pk).size == len(raw)  # the original is whole


def test_the_attachment_limit_is_a_setting(settings):
    settings.OPSDESK_MAX_ATTACHMENT_BYTES = 100
    inbound = ingest(mail(attachments=[("a.bin", "application/octet-stream", bytes(101))]))
    assert not Attachment.objects.exists()
    assert "“a.bin”" in inbound.ticket.description


def test_an_attachment_name_cannot_leave_the_attachments_folder(_media_root):
    ingest(mail(attachments=[("../../../etc/passwd", "text/plain", b"root:x"),
                             ("..\\..\\boot.ini", "text/plain", b"x")]))
    for attachment in Attachment.objects.all():
        assert ".." not in attachment.file.name
        assert Path(attachment.file.path).resolve().is_relative_to(_media_root.resolve())


# Broken structure and charsets -------------------------------------------------------------


def test_broken_mime_still_becomes_a_ticket():
    raw = (b"From: a@example.com\r\nSubject: broken\r\nMessage-ID: <b1@x>\r\nMIME-Version: 1.0"
           b'\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\n'
           b"Content-Type: text/plain\r\n\r\nThe exam is down\r\n--zz\r\n"
           b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"%%%% not base64\r\n")  # never closed
    inbound = ingest(raw)
    assert inbound.outcome == Outcome.TICKET_CREATED
    assert inbound.ticket.description == "The exam is down"


def test_an_unknown_charset_is_read_as_well_as_it_can_be():
    raw = (b"From: =?x-unknown?q?Ren=E9?= <rene@example.com>\r\n"
           b"Subject: =?x-unknown?q?Caf=E9_ferm=E9?=\r\nMessage-ID: <c1@x>\r\n"
           b'Content-Type: text/plain; charset="x-unknown"\r\n\r\nLe caf\xe9 est ferm\xe9.\r\n')
    inbound = ingest(raw)
    assert inbound.ticket.title == "Café fermé"
    assert inbound.ticket.description == "Le café est fermé."
    assert inbound.ticket.requester.name == "René"


def test_raw_utf8_headers_are_read():
    raw = ("From: Lê Ngọc A <a@example.com>\r\nSubject: Không nộp bài được\r\n"
           "Message-ID: <u1@x>\r\n\r\nLớp WEB102 không nộp bài được.\r\n").encode()
    inbound = ingest(raw)
    assert inbound.ticket.title == "Không nộp bài được"
    assert inbound.ticket.requester.name == "Lê Ngọc A"
    assert inbound.ticket.language == "vi"


def test_a_very_long_subject_is_cut_to_the_title_length():
    assert len(ingest(mail(subject="x" * 1000)).ticket.title) == 300


# Senders -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    b"Subject: nobody sent this\r\nMessage-ID: <nf@x>\r\n\r\nbody\r\n",
    b"From: \r\nSubject: empty from\r\nMessage-ID: <ef@x>\r\n\r\nbody\r\n",
    b"From: Someone <>\r\nSubject: empty address\r\nMessage-ID: <ea@x>\r\n\r\nbody\r\n",
])
def test_mail_without_a_sender_fails_clearly_and_creates_nothing(raw, caplog):
    with caplog.at_level(logging.WARNING, logger="opsdesk.inbound"):
        inbound = ingest(raw)
    assert inbound.outcome == Outcome.FAILED
    assert "no sender address (From" in inbound.error
    assert bytes(InboundEmail.objects.get(pk=inbound.pk).raw) == raw
    assert not Ticket.objects.exists()
    assert not User.objects.exists()
    assert any(str(inbound.pk) in r.getMessage() for r in caplog.records)


def test_an_invalid_sender_address_fails_clearly():
    inbound = ingest(b"From: not an address@@example\r\nSubject: x\r\n\r\nbody\r\n")
    assert inbound.outcome == Outcome.FAILED
    assert "not a valid email address" in inbound.error
    assert not Ticket.objects.exists()


def test_line_breaks_in_names_never_reach_stored_names():
    evil = base64.b64encode(b"Evil\r\nBcc: victim@example.com\r\n").decode()
    raw = (f'From: "=?utf-8?b?{evil}?=" <evil@example.com>\r\n'
           f"Subject: =?utf-8?b?{evil}?=\r\nMessage-ID: <hi@x>\r\n\r\nhi\r\n").encode()
    inbound = ingest(raw)
    user = User.objects.get(email="evil@example.com")
    for stored in (user.name, inbound.ticket.title, inbound.from_name, inbound.subject):
        assert "\r" not in stored and "\n" not in stored
    assert user.name == "Evil Bcc: victim@example.com"
    assert not User.objects.filter(email="victim@example.com").exists()


# Failures ----------------------------------------------------------------------------------


def test_a_failure_rolls_everything_back_but_keeps_the_original(failing_ticket_creation,
                                                                  _media_root, caplog):
    raw = mail(attachments=[("a.txt", "text/plain", b"hello")])
    with caplog.at_level(logging.INFO, logger="opsdesk.inbound"):
        inbound = ingest(raw)
    assert inbound.outcome == Outcome.FAILED
    assert inbound.error == "RuntimeError: the classifier is down"
    assert bytes(InboundEmail.objects.get(pk=inbound.pk).raw) == raw
    assert not Ticket.objects.exists() and not User.objects.exists()
    assert not Attachment.objects.exists() and files_under(_media_root) == []
    assert any("failed: RuntimeError" in r.getMessage() for r in caplog.records)


def test_a_failed_mail_is_ingested_when_it_comes_again(failing_ticket_creation):
    raw = mail()
    failed = ingest(raw)
    failing_ticket_creation.undo()
    again = ingest(raw)
    assert again.pk == failed.pk
    assert again.outcome == Outcome.TICKET_CREATED and again.error == ""


def test_logs_name_ids_only_never_people(ticket_of_requester, caplog, settings):
    settings.OPSDESK_MAX_ATTACHMENT_BYTES = 10
    sent = sent_reference(ticket_of_requester)
    with caplog.at_level(logging.DEBUG, logger="opsdesk.inbound"):
        ingest(mail(subject="Private matter", body="My password is hunter2"))
        ingest(mail(body="reply", in_reply_to=sent,
                    attachments=[("big.bin", "application/octet-stream", bytes(11))]))
        ingest(b"Subject: Private matter\r\n\r\nno sender\r\n")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged
    for personal in ("ngoc.a.le", "Le Ngoc A", "Private matter", "hunter2", "big.bin"):
        assert personal not in logged


def test_a_reply_with_only_an_attachment_still_threads(ticket_of_requester):
    sent = sent_reference(ticket_of_requester)
    inbound = ingest(mail(body="", in_reply_to=sent,
                          attachments=[("a.png", "image/png", b"png")]))
    assert inbound.outcome == Outcome.THREADED
    assert inbound.timeline_message.kind == MessageKind.REPLY
    assert inbound.timeline_message.body == "(attachments only)"
