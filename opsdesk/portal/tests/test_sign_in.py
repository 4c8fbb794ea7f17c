"""Sign-in by emailed link: one link per request, once, for 15 minutes, no enumeration."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks_db.models import DBTaskResult

from opsdesk.portal.magic_link import MAX_LINKS_PER_WINDOW, magic_link_tokens

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://[^/\s]+(/portal/login/[^/\s]+/[^/\s]+/(?:\?\S+)?)")


@pytest.fixture
def ask_for_link(client, django_capture_on_commit_callbacks, run_tasks):
    """Post the sign-in form, run the queued email job, return the response."""

    def ask(email, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/portal/login/", {"email": email, **extra})
        run_tasks()
        return response

    return ask


def link_in(message):
    return LINK.search(message.body).group(1)


def test_a_requester_gets_a_link_that_signs_them_in(client, requester, ask_for_link):
    response = ask_for_link(requester.email.upper())
    assert response.status_code == 302 and response["Location"] == "/portal/login/sent/"
    assert [m.to for m in mail.outbox] == [[requester.email]]
    assert "15 minutes" in mail.outbox[0].body
    path = link_in(mail.outbox[0])

    confirm = client.get(path)
    assert confirm.status_code == 200 and requester.email in confirm.content.decode()
    assert "_auth_user_id" not in client.session  # a GET (a mail scanner) signs nobody in
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.session["_auth_user_id"] == str(requester.pk)
    assert client.get("/portal/").status_code == 200


def test_a_link_works_only_once(client, requester, ask_for_link):
    ask_for_link(requester.email)
    path = link_in(mail.outbox[0])
    client.post(path)
    client.logout()
    response = client.post(path)
    assert response.status_code == 400
    assert "has been used already or has expired" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(path).status_code == 400


@pytest.mark.parametrize(("minutes", "signs_in"), [(14, True), (16, False)])
def test_a_link_lives_fifteen_minutes(client, requester, minutes, signs_in):
    uid = urlsafe_base64_encode(force_bytes(requester.pk))
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        token = magic_link_tokens.make_token(requester)
        traveller.shift(timedelta(minutes=minutes))
        response = client.post(f"/portal/login/{uid}/{token}/")
    assert (response.status_code == 302) is signs_in
    assert ("_auth_user_id" in client.session) is signs_in


def test_a_forged_or_foreign_token_is_refused(client, requester, other_requester):
    uid = urlsafe_base64_encode(force_bytes(requester.pk))
    others = magic_link_tokens.make_token(other_requester)
    for path in (f"/portal/login/{uid}/{others}/", f"/portal/login/{uid}/zz-abc/",
                 "/portal/login/%%%/abc/", f"/portal/login/{uid}x/abc-def/"):
        assert client.post(path).status_code in (400, 404)
    assert "_auth_user_id" not in client.session


def test_a_password_reset_token_is_not_a_sign_in_link(client, requester):
    uid = urlsafe_base64_encode(force_bytes(requester.pk))
    token = default_token_generator.make_token(requester)
    assert client.post(f"/portal/login/{uid}/{token}/").status_code == 400


@pytest.mark.parametrize("who", ["unknown", "agent", "inactive"])
def test_no_link_for_anyone_else_and_the_same_page(client, requester, agent, ask_for_link, who):
    known = ask_for_link(requester.email)
    mail.outbox.clear()
    DBTaskResult.objects.all().delete()
    if who == "inactive":
        requester.is_active = False
        requester.save(update_fields=["is_active"])
    email = {"unknown": "nobody@campus.example.edu.vn", "agent": agent.email,
             "inactive": requester.email}[who]
    response = ask_for_link(email)
    assert (response.status_code, response["Location"]) == (known.status_code, known["Location"])
    assert mail.outbox == [] and not DBTaskResult.objects.exists()
    sent_page = client.get("/portal/login/sent/").content.decode()
    assert "If this address belongs to a requester" in sent_page


def test_a_malformed_address_is_shown_next_to_the_field(client):
    response = client.post("/portal/login/", {"email": "not an address"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_email_error"' in html and 'role="alert"' in html
    assert 'aria-invalid="true"' in html and "valid email address" in html


def test_too_many_requests_send_no_more_links(requester, ask_for_link):
    for _ in range(MAX_LINKS_PER_WINDOW + 2):
        assert ask_for_link(requester.email)["Location"] == "/portal/login/sent/"
    assert len(mail.outbox) == MAX_LINKS_PER_WINDOW


def test_the_link_leads_back_to_the_page_asked_for(client, requester, ask_for_link,
                                                  ticket_of_requester):
    wanted = f"/portal/tickets/{ticket_of_requester.pk}/"
    ask_for_link(requester.email, next=wanted)
    response = client.post(link_in(mail.outbox[0]))
    assert response["Location"] == wanted


def test_a_link_never_leads_off_site(client, requester, ask_for_link):
    ask_for_link(requester.email, next="https://evil.example/")
    assert client.post(link_in(mail.outbox[0]))["Location"] == "/portal/"


def test_the_email_is_in_the_language_of_the_page(client, requester, ask_for_link):
    client.cookies["django_language"] = "vi"
    ask_for_link(requester.email)
    assert "Liên kết đăng nhập" in mail.outbox[0].subject


def test_the_sign_in_page_offers_the_password_sign_in(client):
    html = client.get("/portal/login/").content.decode()
    assert 'href="/accounts/login/"' in html
    assert '<label for="id_email">' in html


def test_the_password_sign_in_keeps_the_page_asked_for(client, db):
    html = client.get("/portal/login/", {"next": "/portal/new/"}).content.decode()
    assert 'href="/accounts/login/?next=%2Fportal%2Fnew%2F"' in html


@pytest.mark.parametrize(("who", "home"), [("requester", "/portal/"), ("agent", "/desk/")])
def test_someone_signed_in_skips_the_sign_in_page(client, requester, agent, who, home):
    client.force_login({"requester": requester, "agent": agent}[who])
    assert client.get("/portal/login/")["Location"] == home


def test_signing_out_of_the_portal_leads_back_to_its_sign_in(client, requester):
    client.force_login(requester)
    html = client.get("/portal/").content.decode()
    assert 'action="/accounts/logout/?next=/portal/login/"' in html
    response = client.post("/accounts/logout/?next=/portal/login/")
    assert response["Location"] == "/portal/login/"
