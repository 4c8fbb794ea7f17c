"""The public page /status/: components, incidents, public updates, history, in EN and VI."""

from datetime import timedelta

from django.utils import timezone

from opsdesk.incidents.models import IncidentStatus

from .conftest import NOTE


def test_the_page_shows_components_incidents_and_public_updates(client, exam_outage, video):
    response = client.get("/status/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Major outage" in page
    assert "LMS · exam submission" in page and "LMS · video" in page
    assert "Exam submissions fail" in page
    assert "We are investigating failed exam submissions." in page
    assert "Investigating" in page


def test_the_page_never_shows_notes_or_personal_data(client, exam_outage, requester,
                                                     make_ticket):
    ticket = make_ticket(title="WEB102 exam: Error 500 on submit")
    ticket.incident = exam_outage
    ticket.save(update_fields=["incident"])
    page = client.get("/status/").content.decode()
    assert NOTE not in page
    assert "db-exam-02" not in page
    assert requester.email not in page and requester.name not in page
    assert "Error 500 on submit" not in page  # a ticket's title
    assert "ngoc.a.le" not in page  # the incident's summary, for the desk


def test_the_page_in_vietnamese_shows_the_vietnamese_wording(client, exam_outage):
    response = client.get("/status/?lang=vi", follow=True)
    assert response.redirect_chain == [("/status/", 302)]
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert "Trạng thái dịch vụ" in page and "Gián đoạn nghiêm trọng" in page
    assert "Chúng tôi đang kiểm tra lỗi nộp bài thi." in page
    assert "We are investigating failed exam submissions." not in page
    assert NOTE not in page
    # The language is remembered: the plain address stays Vietnamese, until switched back.
    assert "Đang điều tra" in client.get("/status/").content.decode()
    assert "Investigating" in client.get("/status/?lang=en", follow=True).content.decode()


def test_the_language_menu_switches_the_page(client, exam_outage):
    response = client.post("/i18n/setlang/", {"language": "vi", "next": "/status/"}, follow=True)
    assert "Chúng tôi đang kiểm tra lỗi nộp bài thi." in response.content.decode()


def test_an_update_without_vietnamese_wording_is_shown_as_written(client, make_incident):
    make_incident("Video buffering", updates=(("Videos buffer in Hanoi.", "", True),))
    page = client.get("/status/?lang=vi", follow=True).content.decode()
    assert "Videos buffer in Hanoi." in page


def test_all_is_well_when_no_incident_is_active(client, exam, video):
    page = client.get("/status/").content.decode()
    assert "All systems operational" in page
    assert page.count("state-operational") == 2
    assert "No incidents right now." in page


def test_the_history_shows_90_days_and_past_incidents(client, make_incident, exam, video):
    three_days_ago = timezone.now() - timedelta(days=3)
    make_incident("Exam outage last week", cos="expedite", status=IncidentStatus.RESOLVED,
                  components=(exam,), started=three_days_ago,
                  resolved=three_days_ago + timedelta(hours=2),
                  updates=(("Submissions work again.", "", True), (NOTE, "", False)))
    make_incident("Too old to show", status=IncidentStatus.RESOLVED, components=(video,),
                  started=timezone.now() - timedelta(days=120),
                  resolved=timezone.now() - timedelta(days=119))
    response = client.get("/status/")
    page = response.content.decode()
    assert "Exam outage last week" in page and "Submissions work again." in page
    assert "Too old to show" not in page
    assert NOTE not in page and "Replica lag" not in page  # nor the root cause
    exam_row = next(c for c in response.context["components"] if c["name"] == exam.name)
    assert len(exam_row["days"]) == 90
    marked = [d for d in exam_row["days"] if d.status != "operational"]
    assert [(d.day, d.status) for d in marked] == [
        (timezone.localdate(three_days_ago), "major_outage")]
    assert page.count("day-major_outage") == 1
    assert 'aria-label="LMS · exam submission: 1 day with incidents in the last 90 days"' in page
    assert 'aria-label="LMS · video: 0 days with incidents in the last 90 days"' in page
