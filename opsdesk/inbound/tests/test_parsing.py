"""Reading email without a database: headers, text, quoted history, language, automatic mail."""

import base64

import pytest

from opsdesk.inbound.models import Outcome
from opsdesk.inbound.parsing import clean_line, hashed_id, parse_email
from opsdesk.inbound.recognise import automatic_outcome
from opsdesk.inbound.text import detect_language, html_to_text, trim_quoted

from .mails import dsn, mail

LIMIT = 10 * 1024 * 1024


def parse(raw: bytes):
    return parse_email(raw, max_attachment_bytes=LIMIT)


# Quoted history --------------------------------------------------------------------------


def test_it_trims_a_gmail_reply_with_a_wrapped_attribution_line():
    text = ("Thanks, it works now.\n\nOn Mon, 3 Jun 2024 at 10:00, opsdesk\n"
            "<support@opsdesk.example.edu.vn> wrote:\n> We reset your password.\n> Regards")
    assert trim_quoted(text) == "Thanks, it works now."


def test_it_trims_a_vietnamese_gmail_reply():
    text = ("Em cảm ơn, đã vào được rồi ạ.\n\n"
            "Vào Th 2, 3 thg 6, 2024 vào lúc 10:00 opsdesk <support@x.vn> đã viết:\n"
            "> Chúng tôi đã đặt lại mật khẩu.")
    assert trim_quoted(text) == "Em cảm ơn, đã vào được rồi ạ."


def test_it_removes_quoted_lines_between_inline_answers():
    text = "> Which class?\nWEB102-HN\n> How many students?\n20"
    assert trim_quoted(text) == "WEB102-HN\n20"


def test_it_trims_an_outlook_original_message_block():
    text = ("Still broken.\n\n-----Original Message-----\nFrom: opsdesk\n"
            "Sent: Monday, June 3, 2024 10:00 AM\nSubject: [#00042] Exam\n\nOld text")
    assert trim_quoted(text) == "Still broken."


def test_it_trims_an_outlook_from_sent_block_and_its_separator_line():
    text = ("Yes, 20 students.\n\n________________________________\n"
            "From: opsdesk <support@x.vn>\nSent: Monday, June 3, 2024 10:00\n"
            "To: Le Ngoc A\nSubject: [#00042] Exam\n\nHow many students?")
    assert trim_quoted(text) == "Yes, 20 students."


def test_it_keeps_the_forwarded_message_of_a_forward():
    text = "See below.\n\nFrom: teacher@x.vn\nSent: Monday\nSubject: Exam\n\nThe exam is down."
    assert "The exam is down." in trim_quoted(text, subject="Fwd: Exam")


def test_it_keeps_everything_when_everything_is_quoted():
    assert trim_quoted("> only a quote") == "> only a quote"


def test_a_line_starting_with_on_is_not_history_without_wrote():
    text = "On Monday the exam failed for everyone.\nPlease help."
    assert trim_quoted(text) == text


# Language ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Không đăng nhập được vào hệ thống",
    "Lớp WEB102-HN không nộp bài được",
    "Em bị khoá tài khoản ạ",
])
def test_it_detects_vietnamese(text):
    assert detect_language(text) == "vi"


@pytest.mark.parametrize("text", [
    "Cannot log in to the LMS",
    "Khong dang nhap duoc",  # Vietnamese typed without diacritics cannot be told apart
    "Réservation à l'hôtel, forêt et château",  # French shares â ê ô and accents
])
def test_it_detects_english_otherwise(text):
    assert detect_language(text) == "en"


def test_it_detects_vietnamese_written_with_combining_marks():
    decomposed = "Kho\u0302ng \u0111a\u0306ng nha\u0323\u0302p"  # NFD, as some clients send
    assert detect_language(decomposed) == "vi"


# Headers -----------------------------------------------------------------------------------


def test_it_reads_sender_subject_and_thread_headers():
    parsed = parse(mail(message_id="<m1@campus.example.edu.vn>", in_reply_to="<a@x>",
                        references="<r1@x> <r2@x> <a@x>"))
    assert parsed.from_address == "ngoc.a.le@campus.example.edu.vn"
    assert parsed.from_name == "Le Ngoc A"
    assert parsed.subject == "Cannot open the WEB102 exam"
    assert parsed.message_id == "<m1@campus.example.edu.vn>"
    assert parsed.in_reply_to == ["<a@x>"]
    assert parsed.references == ["<r1@x>", "<r2@x>", "<a@x>"]


@pytest.mark.parametrize("subject", [
    "Không nộp được bài thi cuối kỳ - lớp WEB102-HN",  # folded: an encoded word, then text
    "Re: [#00042] Lỗi nộp bài WEB102-HN",
])
def test_the_spaces_around_encoded_words_of_a_subject_are_kept(subject):
    assert parse(mail(subject=subject)).subject == subject


def test_a_message_without_message_id_gets_a_stable_hash():
    raw = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"
    first, second = parse(raw), parse(raw)
    assert not first.has_message_id
    assert first.message_id == second.message_id == hashed_id(raw)
    assert parse(raw + b"more").message_id != first.message_id


def test_a_message_id_too_long_for_the_index_is_hashed():
    long_id = "<" + "x" * 300 + "@example.com>"
    parsed = parse(mail(message_id=long_id, in_reply_to=long_id))
    assert len(parsed.message_id) <= 255
    assert parsed.in_reply_to == [parsed.message_id]


def test_line_breaks_in_a_display_name_never_reach_the_name():
    evil = base64.b64encode(b"Evil\r\nBcc: victim@example.com").decode()
    raw = (f'From: "=?utf-8?b?{evil}?=" <evil@example.com>\r\n'
           f"Subject: =?utf-8?b?{evil}?=\r\n\r\nhi\r\n").encode()
    parsed = parse(raw)
    assert parsed.from_address == "evil@example.com"
    assert parsed.from_name == "Evil Bcc: victim@example.com"
    assert "\r" not in parsed.subject and "\n" not in parsed.subject


def test_clean_line_removes_every_control_character():
    assert clean_line("a\x00b\tc\u2028d\x1be") == "a b c d e"


# Bodies ------------------------------------------------------------------------------------


def test_an_unknown_charset_falls_back_without_losing_the_text():
    raw = (b"From: a@example.com\r\nSubject: =?x-unknown?q?caf=E9?=\r\n"
           b'Content-Type: text/plain; charset="x-unknown"\r\n\r\ncaf\xe9 ouvert\r\n')
    parsed = parse(raw)
    assert parsed.subject == "café"
    assert parsed.text.strip() == "café ouvert"


def test_a_multipart_without_its_closing_boundary_is_still_read():
    raw = (b"From: a@example.com\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\n'
           b"Content-Type: text/plain\r\n\r\nThe exam is down\r\n--zz\r\n"
           b'Content-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64'
           b"\r\n\r\nJVBERi0=\r\n")
    parsed = parse(raw)
    assert parsed.text.strip() == "The exam is down"
    assert [a.filename for a in parsed.attachments] == ["a.pdf"]


def test_a_multipart_without_a_boundary_keeps_its_text():
    raw = (b"From: a@example.com\r\nSubject: broken\r\n"
           b"Content-Type: multipart/mixed\r\n\r\nThe exam is down\r\n")
    assert "The exam is down" in parse(raw).text


def test_bad_base64_does_not_stop_the_reading():
    raw = (b"From: a@example.com\r\nSubject: x\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"!!!not base64***\r\n")
    parse(raw)  # no exception; the text is whatever could be decoded


def test_html_only_mail_becomes_text_without_its_quoted_block():
    html = ("<html><head><style>p{color:red}</style></head><body><p>It works&nbsp;now.</p>"
            "<blockquote><p>Old message</p></blockquote></body></html>")
    text = html_to_text(html)
    assert "It works" in text and "color" not in text
    assert trim_quoted(text) == "It works now."


def test_attachments_over_the_limit_are_measured_but_not_kept():
    raw = mail(attachments=[("small.txt", "text/plain", b"hello"),
                            ("big.bin", "application/octet-stream", b"x" * 2000)])
    parsed = parse_email(raw, max_attachment_bytes=1000)
    small, big = parsed.attachments
    assert (small.filename, small.payload, small.size) == ("small.txt", b"hello", 5)
    assert (big.filename, big.payload, big.size) == ("big.bin", None, 2000)


# Automatic mail ----------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"Auto-Submitted": "auto-generated; owner-email=x@y"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
    {"Precedence": "auto_reply"},
    {"X-Autoreply": "yes"},
    {"X-Autorespond": "Out of office"},
])
def test_automatic_replies_are_recognised(headers):
    assert automatic_outcome(parse(mail(headers=headers))) == Outcome.IGNORED_AUTO_REPLY


@pytest.mark.parametrize("raw", [
    dsn(original_message_id="<x@opsdesk.localhost>"),
    mail(from_="MAILER-DAEMON@mx.example.com"),
    mail(from_="Postmaster <postmaster@example.com>"),
    mail(headers={"Return-Path": "<>"}),
])
def test_bounces_are_recognised(raw):
    assert automatic_outcome(parse(raw)) == Outcome.IGNORED_BOUNCE


def test_mail_a_person_wrote_is_not_automatic():
    assert automatic_outcome(parse(mail(headers={"Auto-Submitted": "no"}))) is None
