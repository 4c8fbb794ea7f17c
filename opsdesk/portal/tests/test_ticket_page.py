"""The requester's ticket page: what it shows, the reply and the rating."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opsdesk.communications.models import Rating
from opsdesk.tickets import services, stages
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import Attachment, Message
from opsdesk.tickets.tests.refusals import changes_nothing
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow


def page_of(portal, ticket):
    response = portal.get(f"/portal/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def error_of(html, field):
    return html.split(f'id="id_{field}_error"', 1)[1].split("</ul>", 1)[0]


@pytest.fixture
def outage(make_ticket):
    return make_ticket(title="Exam submissions fail", description="Error 500 on submit",
                       impact=Impact(affected_users=54, groups=[("WEB102-HN", 54)]))


@pytest.fixture
def resolved(outage, agent):
    return ticket_workflow.change_stage(ticket=outage, actor=agent, to="resolved",
                               waive_verification="checked with the class teacher")


def test_the_page_shows_the_request_its_class_in_plain_words_and_stage(portal, outage):
    html = page_of(portal, outage)
    assert "Exam submissions fail" in html and "Error 500 on submit" in html
    assert 'class="badge cos-expedite">Expedite' in html
    assert "many people or a critical function are affected" in html
    assert "WEB102-HN" in html and ">New<" in html


def test_replies_and_public_events_show_but_never_a_note(portal, outage, agent):
    message_workflow.add_message(
        ticket=outage, actor=agent, kind="note", body="DB timeouts since 15:00")
    message_workflow.add_message(ticket=outage, actor=agent, kind="reply", body="We are on it.")
    ticket_workflow.change_stage(ticket=outage, actor=agent, to="in_progress")
    services.record_event(ticket=outage, actor=agent, event="assigned", body="Assigned to Lan.")
    html = page_of(portal, outage)
    assert "We are on it." in html and "Nguyen Ngoc Lan" in html
    assert "Ticket received." in html and "Stage changed to In Progress." in html
    assert "DB timeouts" not in html and "Assigned to" not in html


def test_a_file_on_a_note_stays_inside_the_desk(portal, outage, agent):
    note = message_workflow.add_message(ticket=outage, actor=agent, kind="note", body="internal")
    secret = Attachment(ticket=outage, message=note, filename="db-dump.sql", size=4)
    secret.file.save("db-dump.sql", SimpleUploadedFile("db-dump.sql", b"SELECT"), save=True)
    loose = Attachment(ticket=outage, message=None, filename="loose.txt", size=4)
    loose.file.save("loose.txt", SimpleUploadedFile("loose.txt", b"text"), save=True)
    html = page_of(portal, outage)
    assert "db-dump.sql" not in html and "loose.txt" not in html
    for item in (secret, loose):
        assert portal.get(f"/portal/tickets/{outage.pk}/files/{item.pk}").status_code == 404


def test_the_requester_downloads_their_own_file(portal):
    portal.post("/portal/new/", {"title": "Quiz", "description": "fails", "affected_users": 1,
                                 "attachments": [SimpleUploadedFile(
                                     "page.html", b"<script>", content_type="text/html")]})
    item = Attachment.objects.get()
    response = portal.get(f"/portal/tickets/{item.ticket_id}/files/{item.pk}")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"<script>"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "page.html" in page_of(portal, item.ticket)


def test_dates_are_in_the_requesters_time_zone(portal, requester, outage):
    requester.time_zone = "America/New_York"
    requester.save(update_fields=["time_zone"])
    local = outage.created_at.astimezone(ZoneInfo("America/New_York"))
    assert f"{local:%Y-%m-%d %H:%M}" in page_of(portal, outage)
    assert isinstance(outage.created_at, datetime)


def test_the_requester_replies(portal, requester, outage):
    response = portal.post(f"/portal/tickets/{outage.pk}/reply", {
        "body": "It fails for the whole class.",
        "attachments": [SimpleUploadedFile("error.png", b"png", content_type="image/png")]})
    assert response.status_code == 302
    reply = Message.objects.get(ticket=outage, kind="reply")
    assert (reply.author, reply.body, reply.public) == (requester, "It fails for the whole class.",
                                                        True)
    assert list(reply.attachments.values_list("filename", flat=True)) == ["error.png"]
    html = page_of(portal, outage)
    assert "You wrote" in html and "error.png" in html


@pytest.mark.parametrize(("body", "words"), [
    ("", "Write your reply first."), ("   ", "Write your reply first."),
    ("x" * 100_001, "at most 100000 characters")])
def test_an_invalid_reply_is_refused_next_to_the_field(portal, outage, body, words):
    with changes_nothing(outage):
        response = portal.post(f"/portal/tickets/{outage.pk}/reply", {"body": body})
    assert response.status_code == 400
    assert words in error_of(response.content.decode(), "body")


def test_a_reply_with_a_file_over_the_limit_stores_nothing(portal, outage, settings):
    settings.OPSDESK_MAX_ATTACHMENT_BYTES = 10
    with changes_nothing(outage):
        response = portal.post(f"/portal/tickets/{outage.pk}/reply", {
            "body": "see file", "attachments": [SimpleUploadedFile("big.bin", b"x" * 11)]})
    assert response.status_code == 400
    assert "each file may be at most" in error_of(response.content.decode(), "attachments")
    assert not Attachment.objects.exists()


def test_a_closed_ticket_takes_no_reply(portal, resolved, agent):
    ticket_workflow.change_stage(ticket=resolved, actor=agent, to="closed",
                        summary=stages.CloseSummary(root_cause="DB pool", resolution="Raised"))
    assert "Send reply" not in page_of(portal, resolved)
    with changes_nothing(resolved):
        response = portal.post(f"/portal/tickets/{resolved.pk}/reply", {"body": "one more"})
    assert response.status_code == 400
    assert "This ticket is closed" in error_of(response.content.decode(), "body")


def test_the_rating_form_appears_once_resolved(portal, outage, resolved):
    assert "How did we do?" in page_of(portal, resolved)


def test_no_rating_form_while_open(portal, outage):
    assert "How did we do?" not in page_of(portal, outage)


def test_the_requester_rates_a_resolved_ticket(portal, resolved):
    response = portal.post(f"/portal/tickets/{resolved.pk}/rating",
                           {"score": "4", "comment": " Quick, thanks "})
    assert response.status_code == 302
    rating = Rating.objects.get(ticket=resolved)
    assert (rating.score, rating.comment) == (4, "Quick, thanks")
    html = page_of(portal, resolved)
    assert "You rated our help 4 out of 5." in html and "How did we do?" not in html


@pytest.mark.parametrize(("data", "words"), [
    ({}, "Choose a rating from 1 to 5."), ({"score": "0"}, "Choose a rating from 1 to 5."),
    ({"score": "6"}, "Choose a rating from 1 to 5."),
    ({"score": "five"}, "Choose a rating from 1 to 5.")])
def test_an_invalid_rating_is_refused_next_to_the_field(portal, resolved, data, words):
    with changes_nothing(resolved):
        response = portal.post(f"/portal/tickets/{resolved.pk}/rating", data)
    assert response.status_code == 400
    assert words in error_of(response.content.decode(), "score")
    assert not Rating.objects.exists()


def test_an_open_ticket_cannot_be_rated(portal, outage):
    with changes_nothing(outage):
        response = portal.post(f"/portal/tickets/{outage.pk}/rating", {"score": "5"})
    assert response.status_code == 400
    assert "once it is resolved" in error_of(response.content.decode(), "score")


def test_a_ticket_is_rated_once(portal, resolved):
    portal.post(f"/portal/tickets/{resolved.pk}/rating", {"score": "5"})
    with changes_nothing(resolved):
        response = portal.post(f"/portal/tickets/{resolved.pk}/rating", {"score": "1"})
    assert response.status_code == 400
    assert "already rated" in error_of(response.content.decode(), "score")
    assert Rating.objects.get().score == 5


def test_the_list_is_newest_first_and_paged(portal, make_ticket):
    for n in range(22):
        make_ticket(title=f"Quiz {n:02d}")
    first = portal.get("/portal/").content.decode()
    assert first.index("Quiz 21") < first.index("Quiz 20") and "Quiz 01" not in first
    assert "Page 1 of 2" in first
    second = portal.get("/portal/", {"page": 2}).content.decode()
    assert "Quiz 01" in second and "Quiz 00" in second and "Quiz 21" not in second


def test_the_portal_speaks_vietnamese(portal, outage):
    portal.cookies["django_language"] = "vi"
    html = page_of(portal, outage)
    assert "Nội dung yêu cầu" in html and "Đã nhận yêu cầu." in html
    assert "Khẩn cấp" in html
    assert "Yêu cầu của tôi" in portal.get("/portal/").content.decode()
