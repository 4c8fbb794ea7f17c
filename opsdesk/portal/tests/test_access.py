"""Who may open what: a requester sees only their own tickets and never the desk."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opsdesk.portal import services as portal_services
from opsdesk.tickets import services

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def others_ticket(make_ticket, other_requester):
    return make_ticket(requester=other_requester, title="Ha's gradebook is empty")


@pytest.mark.parametrize("path", ["/portal/", "/portal/new/", "/portal/tickets/1/"])
def test_anonymous_visitors_are_sent_to_the_portal_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/portal/login/?next={path}"


def test_the_home_page_sends_a_requester_to_their_tickets(portal):
    response = portal.get("/")
    assert response.status_code == 302 and response["Location"] == "/portal/"


@pytest.mark.parametrize("tail", ["", "reply", "rating"])
def test_another_requesters_ticket_is_not_found(portal, others_ticket, tail):
    url = f"/portal/tickets/{others_ticket.pk}/{tail}"
    response = portal.post(url, {"body": "hi", "score": 5}) if tail else portal.get(url)
    assert response.status_code == 404
    assert not others_ticket.messages.filter(kind="reply").exists()


def test_another_requesters_file_is_not_found(portal, others_ticket, other_requester):
    upload = SimpleUploadedFile("grades.csv", b"a,b\n", content_type="text/csv")
    portal_services.reply(ticket=others_ticket, requester=other_requester, body="see file",
                          files=[upload])
    item = others_ticket.attachments.get()
    assert portal.get(f"/portal/tickets/{others_ticket.pk}/files/{item.pk}").status_code == 404


def test_another_requesters_ticket_is_not_listed(portal, others_ticket, ticket_of_requester):
    page = portal.get("/portal/").content.decode()
    assert ticket_of_requester.title in page and others_ticket.title not in page


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/desk/"), ("get", "/desk/board/"), ("get", "/desk/tickets/{pk}/"),
    ("post", "/desk/tickets/{pk}/messages"), ("post", "/desk/tickets/{pk}/stage")])
def test_a_requester_is_refused_every_desk_url(portal, ticket_of_requester, method, path):
    path = path.format(pk=ticket_of_requester.pk)
    response = getattr(portal, method)(path, {"kind": "note", "body": "x", "stage": "closed"})
    assert response.status_code == 403


def test_desk_staff_who_open_the_portal_go_to_the_desk(agent, ticket_of_requester):
    desk = client_for(agent)
    for path in ("/portal/", f"/portal/tickets/{ticket_of_requester.pk}/"):
        response = desk.get(path)
        assert response.status_code == 302 and response["Location"] == "/desk/"


def test_an_inactive_requester_is_signed_out(requester):
    browser = client_for(requester)
    requester.is_active = False
    requester.save(update_fields=["is_active"])
    assert browser.get("/portal/")["Location"].startswith("/portal/login/")


def test_a_requester_cannot_write_a_note_through_the_portal(portal, ticket_of_requester):
    portal.post(f"/portal/tickets/{ticket_of_requester.pk}/reply",
                {"body": "hello", "kind": "note"})
    kinds = set(ticket_of_requester.messages.exclude(kind="event").values_list("kind", flat=True))
    assert kinds == {"reply"}
    assert not services.visible_messages(ticket=ticket_of_requester,
                                          viewer=ticket_of_requester.requester).filter(
        kind="note").exists()
