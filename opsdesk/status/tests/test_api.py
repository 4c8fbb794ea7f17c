"""GET /api/v1/status and the banner: public, targeted, never an internal note."""

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from opsdesk.incidents.models import IncidentStatus

from .conftest import NOTE


def test_the_feed_lists_components_and_active_incidents_with_public_updates(
        api, exam_outage, exam, video):
    response = api.get("/api/v1/status")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "major_outage"
    assert body["components"] == [{"name": "LMS · exam submission", "status": "major_outage"},
                                  {"name": "LMS · video", "status": "operational"}]
    [incident] = body["incidents"]
    assert incident["id"] == exam_outage.pk
    assert (incident["title"], incident["status"], incident["cos"]) == (
        "Exam submissions fail", "investigating", "expedite")
    assert incident["components"] == ["LMS · exam submission"]
    assert incident["groups"] == ["WEB102-HN"]
    assert [u["body"] for u in incident["updates"]] == [
        "We are investigating failed exam submissions."]
    assert NOTE not in response.content.decode()
    assert "ngoc.a.le" not in response.content.decode()  # the incident's summary stays in


def test_the_feed_speaks_vietnamese_where_written(api, exam_outage):
    body = api.get("/api/v1/status", {"lang": "vi"}).json()
    assert body["incidents"][0]["updates"][0]["body"] == "Chúng tôi đang kiểm tra lỗi nộp bài thi."


def test_a_component_is_degraded_by_any_other_active_incident(api, make_incident, exam, video):
    make_incident("Videos buffer", cos="priority", components=(video,))
    make_incident("Exam fixed, watching", cos="expedite", status=IncidentStatus.MONITORING,
                  components=(exam,))
    make_incident("Old exam outage", cos="expedite", status=IncidentStatus.RESOLVED,
                  components=(exam,), resolved=timezone.now() - timedelta(days=2))
    body = api.get("/api/v1/status").json()
    assert {c["name"]: c["status"] for c in body["components"]} == {
        "LMS · exam submission": "degraded", "LMS · video": "degraded"}
    assert sorted(i["title"] for i in body["incidents"]) == ["Exam fixed, watching",
                                                            "Videos buffer"]
    assert body["status"] == "degraded"


def test_the_feed_is_public_for_any_origin_and_cached_briefly(api, exam_outage):
    response = api.get("/api/v1/status")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "public, max-age=15"
    exam_outage.title = "Renamed"
    exam_outage.save()
    assert api.get("/api/v1/status").json()["incidents"][0]["title"] == "Exam submissions fail"
    cache.clear()  # as when the 15 seconds are over
    assert api.get("/api/v1/status").json()["incidents"][0]["title"] == "Renamed"


def test_the_banner_shows_an_incident_to_its_groups_only(api, exam_outage):
    shown = api.get("/api/v1/status/banner", {"group": "web102-hn"})
    assert shown.status_code == 200
    [incident] = shown.json()["incidents"]
    assert incident["title"] == "Exam submissions fail"
    assert incident["message"] == "We are investigating failed exam submissions."
    assert incident["status_label"] == "Investigating"
    assert NOTE not in shown.content.decode()
    assert api.get("/api/v1/status/banner", {"group": "DATA101-SG"}).json()["incidents"] == []
    assert api.get("/api/v1/status/banner").json()["incidents"] == []


def test_the_banner_shows_a_system_wide_expedite_incident_to_every_group(api, make_incident):
    make_incident("Nobody can sign in", cos="expedite",
                  updates=(("Sign-in fails for everyone.", "", True),))
    make_incident("Slow gradebook", cos="priority",
                  updates=(("The gradebook is slow.", "", True),))
    for group in ("WEB102-HN", "DATA101-SG", ""):
        titles = [i["title"] for i in
                  api.get("/api/v1/status/banner", {"group": group}).json()["incidents"]]
        assert titles == ["Nobody can sign in"]


def test_the_banner_speaks_vietnamese(api, exam_outage):
    body = api.get("/api/v1/status/banner", {"group": "WEB102-HN", "lang": "vi"}).json()
    assert body["incidents"][0]["message"] == "Chúng tôi đang kiểm tra lỗi nộp bài thi."
    assert body["incidents"][0]["status_label"] == "Đang điều tra"
    assert body["labels"]["dismiss"] == "Đóng"
    assert body["status_url"].endswith("/status/?lang=vi")


def test_the_banner_of_an_incident_without_public_update_has_its_title_only(api, make_incident):
    make_incident("Quiz timer wrong", groups=("WEB102-HN",), updates=((NOTE, "", False),))
    [incident] = api.get("/api/v1/status/banner", {"group": "WEB102-HN"}).json()["incidents"]
    assert (incident["title"], incident["message"]) == ("Quiz timer wrong", "")


def test_the_banner_answers_any_origin_and_its_preflight(client, exam_outage):
    response = client.get("/api/v1/status/banner?group=WEB102-HN",
                          headers={"Origin": "https://lms.example.edu.vn"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "public, max-age=15"
    preflight = client.options("/api/v1/status/banner?group=WEB102-HN", headers={
        "Origin": "https://lms.example.edu.vn", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]


def test_resolved_incidents_leave_the_feed_and_the_banner(api, make_incident, exam):
    make_incident("Fixed yesterday", cos="expedite", status=IncidentStatus.RESOLVED,
                  components=(exam,), groups=("WEB102-HN",),
                  resolved=timezone.now() - timedelta(days=1),
                  updates=(("It works again.", "", True),))
    assert api.get("/api/v1/status").json()["incidents"] == []
    assert api.get("/api/v1/status/banner", {"group": "WEB102-HN"}).json()["incidents"] == []


def test_both_are_in_the_openapi_document(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/status"]
    assert paths["/api/v1/status/banner"]["get"]["parameters"][0]["name"] == "group"
