"""Mailboxes are set up in the admin; received email is read there, never edited."""

import pytest
from django.test import Client

from opsdesk.inbound.models import InboundEmail, Mailbox
from opsdesk.inbound.services import ingest_email

from .mails import mail

pytestmark = pytest.mark.django_db

FORM = {"name": "Support", "enabled": "on", "host": "imap.example.edu.vn", "port": "993",
        "security": "ssl", "username": "support@example.edu.vn", "folder": "INBOX",
        "last_uid": "0", "uid_validity": "0"}


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_an_admin_adds_a_mailbox(admin_client):
    response = admin_client.post("/admin/inbound/mailbox/add/", {**FORM, "password": "s3cret"})
    assert response.status_code == 302, response.content
    assert Mailbox.objects.get().password == "s3cret"


def test_a_new_mailbox_needs_a_password(admin_client):
    response = admin_client.post("/admin/inbound/mailbox/add/", {**FORM, "password": ""})
    assert response.status_code == 200
    assert b"The mailbox&#x27;s password is required." in response.content
    assert not Mailbox.objects.exists()


def test_editing_a_mailbox_keeps_the_password_it_never_shows(admin_client):
    mailbox = Mailbox.objects.create(**{**FORM, "enabled": True}, password="s3cret")
    page = admin_client.get(f"/admin/inbound/mailbox/{mailbox.pk}/change/")
    assert page.status_code == 200 and b"s3cret" not in page.content
    response = admin_client.post(f"/admin/inbound/mailbox/{mailbox.pk}/change/",
                                 {**FORM, "folder": "Support", "password": ""})
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.folder, mailbox.password) == ("Support", "s3cret")


def test_received_email_is_listed_and_shown_read_only(admin_client):
    inbound = ingest_email(raw=mail())
    assert admin_client.get("/admin/inbound/inboundemail/").status_code == 200
    page = admin_client.get(f"/admin/inbound/inboundemail/{inbound.pk}/change/")
    assert page.status_code == 200 and b"Ticket created" in page.content
    assert admin_client.get("/admin/inbound/inboundemail/add/").status_code == 403
    assert InboundEmail.objects.count() == 1
