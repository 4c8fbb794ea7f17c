"""Submitting a ticket through the portal: what is stored, and what is refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opsdesk.portal import services as portal_services
from opsdesk.tickets.models import Attachment, Ticket
from opsdesk.tickets.tests.refusals import changes_nothing

from .conftest import stored_files

GOOD = {"title": "Cannot submit the WEB102 quiz", "affected_users": "20",
        "description": "The submit button spins, then 'Error 500'.", "group": "WEB102-HN"}


def upload(name="screen.png", size=10, content_type="image/png"):
    return SimpleUploadedFile(name, b"x" * size, content_type=content_type)


def test_a_ticket_is_created_with_its_class_and_files(portal, requester, _media_root):
    data = {**GOOD, "attachments": [upload(), upload("log.txt", 20, "text/plain")]}
    response = portal.post("/portal/new/", data)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert (ticket.requester, ticket.created_by, ticket.channel) == (requester, requester, "portal")
    assert ticket.title == GOOD["title"] and ticket.description == GOOD["description"]
    assert ticket.affected_users == 20 and ticket.cos == "priority"
    assert list(ticket.impact_groups.values_list("name", "affected")) == [("WEB102-HN", 20)]
    files = list(ticket.attachments.order_by("filename"))
    assert [(f.filename, f.content_type, f.size) for f in files] == [
        ("log.txt", "text/plain", 20), ("screen.png", "image/png", 10)]
    assert all(f.message.event == "created" for f in files)
    assert len(stored_files(_media_root)) == 2
    assert ticket.messages.filter(event="created").count() == 1


def test_without_a_class_there_is_no_group(portal):
    portal.post("/portal/new/", {**GOOD, "group": "  ", "affected_users": "1"})
    ticket = Ticket.objects.get()
    assert ticket.affected_users == 1 and not ticket.impact_groups.exists()
    assert ticket.cos == "standard"


def test_the_ticket_is_in_the_language_of_the_page(portal):
    portal.cookies["django_language"] = "vi"
    portal.post("/portal/new/", GOOD)
    assert Ticket.objects.get().language == "vi"


def test_the_form_has_a_label_for_every_control(portal):
    html = portal.get("/portal/new/").content.decode()
    for name in ("title", "description", "affected_users", "group", "attachments"):
        assert f'<label for="id_{name}">' in html and f'id="id_{name}"' in html
    assert 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"title": ""}, "title", "Give your ticket a title."),
    ({"title": "   "}, "title", "Give your ticket a title."),
    ({"title": "x" * 301}, "title", "at most 300 characters"),
    ({"description": ""}, "description", "Describe the problem."),
    ({"affected_users": ""}, "affected_users", "Say how many people are affected."),
    ({"affected_users": "0"}, "affected_users", "At least one person (you)."),
    ({"affected_users": "-3"}, "affected_users", "At least one person (you)."),
    ({"affected_users": "twenty"}, "affected_users", "Write a whole number, like 20."),
    ({"affected_users": "99999999999"}, "affected_users", "less than or equal to"),
    ({"group": "W" * 101}, "group", "at most 100 characters"),
])
def test_invalid_input_is_shown_next_to_its_field_and_stores_nothing(
        portal, requester, _media_root, change, field, words):
    with changes_nothing():
        response = portal.post("/portal/new/", {**GOOD, **change, "attachments": [upload()]})
    assert response.status_code == 400
    html = response.content.decode()
    error = html.split(f'id="id_{field}_error"', 1)[1].split("</ul>", 1)[0]
    assert words in error
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in html or \
        f'aria-describedby="id_{field}_error"' in html
    requester.refresh_from_db()
    assert requester.name == "Le Ngoc A"
    assert not Attachment.objects.exists() and stored_files(_media_root) == []


def test_what_was_typed_is_kept_after_a_refusal(portal):
    response = portal.post("/portal/new/", {**GOOD, "affected_users": "0"})
    html = response.content.decode()
    assert 'value="Cannot submit the WEB102 quiz"' in html and "spins, then" in html


def test_a_file_over_the_limit_is_refused_with_a_message(portal, settings, _media_root):
    settings.OPSDESK_MAX_ATTACHMENT_BYTES = 1000
    with changes_nothing():
        response = portal.post("/portal/new/", {
            **GOOD, "attachments": [upload("ok.png", 900), upload("huge.mov", 1001)]})
    assert response.status_code == 400
    error = response.content.decode().split('id="id_attachments_error"', 1)[1]
    assert "“huge.mov” is 1001\xa0bytes; each file may be at most 1000\xa0bytes." in error
    assert not Attachment.objects.exists() and stored_files(_media_root) == []


def test_the_limit_is_ten_megabytes_unless_set(portal, settings):
    if hasattr(settings, "OPSDESK_MAX_ATTACHMENT_BYTES"):
        del settings.OPSDESK_MAX_ATTACHMENT_BYTES
    html = portal.get("/portal/new/").content.decode()
    assert "each file at most 10.0\xa0MB" in html
    response = portal.post("/portal/new/", {**GOOD, "attachments": [
        upload("big.zip", 10 * 1024 * 1024 + 1)]})
    assert response.status_code == 400 and not Ticket.objects.exists()


def test_too_many_files_are_refused(portal):
    response = portal.post("/portal/new/", {**GOOD, "attachments": [
        upload(f"{n}.png") for n in range(11)]})
    assert response.status_code == 400 and "Attach at most 10 files." in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_failure_while_storing_files_leaves_no_ticket_and_no_file(
        requester, monkeypatch, _media_root):
    real_save = Attachment.save
    calls = []

    def save_then_fail(self, *args, **kwargs):
        calls.append(self.filename)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Attachment, "save", save_then_fail)
    with changes_nothing(), pytest.raises(OSError):
        portal_services.submit_ticket(requester=requester, title="t", description="d",
                                      affected_users=1, files=[upload("a.png"), upload("b.png")])
    assert stored_files(_media_root) == []


def test_a_path_in_a_file_name_does_not_escape_the_media_folder(portal, _media_root):
    portal.post("/portal/new/", {**GOOD, "attachments": [upload("../../etc/passwd")]})
    (path,) = stored_files(_media_root)
    assert _media_root in path.parents and path.name.endswith("passwd")
