"""Each transport against a real local server: the JSON it posts and what failures mean."""

import hashlib
import hmac
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from opsdesk.notifications.channels import ChannelMessage, TransportError, send
from opsdesk.notifications.channels import http as channel_http
from opsdesk.notifications.models import Channel

TICKET = {"id": 42, "ref": "#00042", "title": "Exam submission fails for WEB102-HN",
          "cos": "expedite", "stage": "in_progress"}
MESSAGE = ChannelMessage(event="dev_alert", title="[#00042] Expedite: exam submission down",
                         body="53 users cannot submit <the> exam & retry fails.",
                         ticket=TICKET, delivery_id=7)


SECRET = "s3cret-key"


def channel(kind, target):
    return Channel(kind=kind, name=f"Dev Team on {kind}", target=target, secret=SECRET)


def test_teams_receives_an_adaptive_card(chat):
    send(channel("teams", chat.url("/workflows/abc/triggers/manual/paths/invoke?sig=x")), MESSAGE)

    [request] = chat.received
    assert request.path == "/workflows/abc/triggers/manual/paths/invoke?sig=x"
    assert request.headers["Content-Type"] == "application/json"
    [attachment] = request.json()["attachments"]
    assert request.json()["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    title, body, facts = card["body"]
    assert title["text"] == "[#00042] Expedite: exam submission down"
    assert body["text"] == "53 users cannot submit <the> exam & retry fails."
    assert {"title": "Ticket", "value": "#00042"} in facts["facts"]


def test_slack_receives_text_with_its_control_characters_escaped(chat):
    send(channel("slack", chat.url("/services/T0/B0/XXXX")), MESSAGE)

    [request] = chat.received
    assert request.json()["text"] == (
        "*[#00042] Expedite: exam submission down*\n"
        "53 users cannot submit &lt;the&gt; exam &amp; retry fails.")


def test_a_webhook_receives_the_documented_body_signed_with_the_channel_secret(chat):
    send(channel("webhook", chat.url("/opsdesk")), MESSAGE)

    [request] = chat.received
    expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Opsdesk-Signature"], expected)
    assert request.headers["X-Opsdesk-Event"] == "dev_alert"
    assert request.headers["X-Opsdesk-Delivery"] == "7"
    body = request.json()
    assert set(body) == {"event", "ticket", "title", "body", "sent_at"}
    assert body["event"] == "dev_alert"
    assert body["ticket"] == TICKET
    assert body["title"] == MESSAGE.title


def test_a_webhook_signature_does_not_verify_with_another_secret(chat):
    send(channel("webhook", chat.url("/opsdesk")), MESSAGE)

    [request] = chat.received
    forged = "sha256=" + hmac.new(b"guess", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Opsdesk-Signature"] != forged


def test_a_webhook_about_no_ticket_says_so(chat):
    send(channel("webhook", chat.url()), ChannelMessage(event="digest", title="t", body="b"))

    assert chat.received[0].json()["ticket"] is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 301])
def test_a_refusal_is_permanent(chat, status):
    chat.answer(status, "no_service")

    with pytest.raises(TransportError) as failure:
        send(channel("slack", chat.url("/services/T0/B0/XXXX")), MESSAGE)

    assert failure.value.permanent
    assert f"HTTP {status} (no_service)" in failure.value.message


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_a_busy_or_broken_endpoint_is_worth_retrying(chat, status):
    chat.answer(status)

    with pytest.raises(TransportError) as failure:
        send(channel("teams", chat.url()), MESSAGE)

    assert not failure.value.permanent
    assert f"HTTP {status}" in failure.value.message


def test_an_endpoint_that_is_down_is_worth_retrying(chat):
    chat.stop()

    with pytest.raises(TransportError) as failure:
        send(channel("webhook", chat.url()), MESSAGE)

    assert not failure.value.permanent
    assert "could not connect" in failure.value.message


def test_an_endpoint_that_does_not_answer_in_time_is_worth_retrying(chat, monkeypatch):
    monkeypatch.setattr(channel_http, "TIMEOUT_SECONDS", 0.2)
    chat.delay = 1.0

    with pytest.raises(TransportError) as failure:
        send(channel("webhook", chat.url()), MESSAGE)

    assert not failure.value.permanent
    assert "no answer within 0.2 s" in failure.value.message


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x",
                                    "javascript:alert(1)", "/relative/path"])
def test_only_http_urls_are_posted_to(target):
    with pytest.raises(TransportError) as failure:
        send(channel("webhook", target), MESSAGE)

    assert failure.value.permanent


def test_an_error_never_repeats_the_url_and_its_token(chat):
    chat.answer(404, "a long answer that echoes https://hooks.example/T0/SECRET-TOKEN")

    with pytest.raises(TransportError) as failure:
        send(channel("slack", chat.url("/services/T0/B0/SECRET-TOKEN")), MESSAGE)

    assert "SECRET-TOKEN" not in str(failure.value)
    assert failure.value.message == "HTTP 404"


def test_an_email_channel_sends_the_message_by_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    send(channel("email", "dev-team@dev.example.edu.vn"), MESSAGE)

    [email] = mail.outbox
    assert email.to == ["dev-team@dev.example.edu.vn"]
    assert email.subject == "[#00042] Expedite: exam submission down"
    assert email.body.startswith("#00042 Exam submission fails for WEB102-HN\n\n53 users")


def test_an_unreachable_mail_server_is_worth_retrying(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with pytest.raises(TransportError) as failure:
        send(channel("email", "dev-team@dev.example.edu.vn"), MESSAGE)

    assert not failure.value.permanent


def test_an_email_channel_without_an_address_is_permanent():
    with pytest.raises(TransportError) as failure:
        send(channel("email", "not an address"), MESSAGE)

    assert failure.value.permanent



class _RecipientRefuser:
    """An SMTP server that answers RCPT TO with the reply it is given."""

    def __init__(self, reply: str) -> None:
        self.reply = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return self.reply


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("reply", "permanent"), [
    ("550 5.1.1 no such user", True),
    ("450 4.2.0 greylisted, try again later", False),
])
def test_a_refused_address_is_permanent_and_a_deferred_one_is_not(settings, reply, permanent):
    controller = Controller(_RecipientRefuser(reply), hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    try:
        with pytest.raises(TransportError) as failure:
            send(channel("email", "nobody@dev.example.edu.vn"), MESSAGE)
    finally:
        controller.stop()

    assert failure.value.permanent is permanent
    assert "nobody@" not in failure.value.message
