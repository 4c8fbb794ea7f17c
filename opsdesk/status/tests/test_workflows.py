"""An incident worked through the desk's workflows, as the public sees it: the page, the
feed, the banner of its group and the subscribers' email — never its internal note."""

from django.core.cache import cache

from opsdesk.workflows.incidents import open_incident, post_update, resolve_incident

from .conftest import NOTE, body_of

UPDATE = "Exam submissions fail for WEB102-HN; we are on it."
UPDATE_VI = "Lớp WEB102-HN không nộp được bài thi; chúng tôi đang xử lý."
RESOLUTION = "Submissions work again; please submit your exam before 18:00."


def test_an_incident_from_opening_to_resolution(api, client, agent, exam, confirmed, smtp,
                                                run_tasks, django_capture_on_commit_callbacks):
    watcher = confirmed("exam.watcher@campus.example.edu.vn", [exam])
    smtp.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident = open_incident(title="Exam submissions fail", actor=agent, cos="expedite",
                                 components=[exam.name], groups=["WEB102-HN"])
    with django_capture_on_commit_callbacks(execute=True):
        post_update(incident=incident, actor=agent, body=NOTE, public=False)
    with django_capture_on_commit_callbacks(execute=True):
        post_update(incident=incident, actor=agent, body=UPDATE, body_vi=UPDATE_VI,
                    status="identified")
    run_tasks()

    feed = api.get("/api/v1/status").json()
    assert feed["components"] == [{"name": exam.name, "status": "major_outage"}]
    assert [u["body"] for u in feed["incidents"][0]["updates"]] == [UPDATE]
    banner = api.get("/api/v1/status/banner", {"group": "WEB102-HN", "lang": "vi"}).json()
    assert [i["message"] for i in banner["incidents"]] == [UPDATE_VI]
    assert api.get("/api/v1/status/banner", {"group": "DATA101-SG"}).json()["incidents"] == []
    told = [m for rcpts, m in smtp.received if rcpts == [watcher.email]]
    assert [UPDATE in body_of(m) for m in told] == [True]

    with django_capture_on_commit_callbacks(execute=True):
        resolve_incident(incident=incident, actor=agent, resolution=RESOLUTION,
                         root_cause="Replica lag on db-exam-02")
    run_tasks()
    cache.clear()  # as when the snapshot's 15 seconds are over
    assert api.get("/api/v1/status").json()["incidents"] == []
    assert api.get("/api/v1/status/banner", {"group": "WEB102-HN"}).json()["incidents"] == []
    page = client.get("/status/").content.decode()
    assert "All systems operational" in page
    assert "Exam submissions fail" in page and RESOLUTION in page  # its history
    told = [m for rcpts, m in smtp.received if rcpts == [watcher.email]]
    assert len(told) == 2 and RESOLUTION in body_of(told[1])
    assert "Resolved" in told[1]["Subject"]
    everything_public = page + "".join(m.as_string() for m in told)
    assert NOTE not in everything_public and "db-exam-02" not in everything_public
