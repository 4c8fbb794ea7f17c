"""Email subscriptions: asked on /status/, confirmed by link, told each public update, ended
by the link in every email — through a real SMTP server."""

import re

import pytest
from django_tasks_db.models import DBTaskResult

from opsdesk.communications.tests.conftest import body_of
from opsdesk.incidents.models import IncidentUpdate
from opsdesk.status.models import Subscription
from opsdesk.status.notices import queue_subscriber_notices

from .conftest import CONFIRM, NOTE

UNSUBSCRIBE = re.compile(r"http://[^/\s]+(/status/unsubscribe/[^/\s]+/)")
UPDATE = "A fix is deployed; submissions work again for most students."


@pytest.fixture
def post_update(agent, django_capture_on_commit_callbacks, run_tasks):
    """Record an update on an incident and tell the subscribers, as post_update does."""

    def post(incident, body, body_vi="", public=True):
        with django_capture_on_commit_callbacks(execute=True):
            update = IncidentUpdate.objects.create(incident=incident, status=incident.status,
                                                   body=body, body_vi=body_vi, public=public,
                                                   author=agent)
            queue_subscriber_notices(update=update)
        run_tasks()
        return update

    return post


def test_a_subscription_is_confirmed_by_the_emailed_link(client, subscribe, smtp, exam):
    response = subscribe("Coordinator@Campus.example.edu.vn", [exam])
    assert response.status_code == 302 and response["Location"] == "/status/#subscribe"
    [(recipients, message)] = smtp.received
    assert recipients == ["coordinator@campus.example.edu.vn"]
    assert message["Subject"] == "Confirm your subscription to the service status"
    assert "LMS · exam submission" in body_of(message)
    assert not Subscription.objects.exists()  # nothing stored before the link is used

    path = CONFIRM.search(body_of(message)).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "coordinator@campus.example.edu.vn" in page.content.decode()
    assert not Subscription.objects.exists()  # a GET (a mail scanner) confirms nothing
    assert client.post(path).status_code == 302
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.language) == ("coordinator@campus.example.edu.vn",
                                                           "en")
    assert list(subscription.components.all()) == [exam]


def test_a_bad_address_is_refused_beside_the_field(client, subscribe, smtp, exam):
    response = subscribe("not-an-address", [exam])
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert smtp.received == [] and not DBTaskResult.objects.exists()


def test_a_forged_link_is_refused(client, subscribe, smtp, exam):
    subscribe("coordinator@campus.example.edu.vn", [exam])
    path = CONFIRM.search(body_of(smtp.messages[0])).group(1)
    assert client.post(path[:-3] + "xx/").status_code == 400
    assert client.post("/status/unsubscribe/forged:token/").status_code == 400
    assert not Subscription.objects.exists()


def test_one_address_cannot_be_flooded_with_confirmations(subscribe, smtp, exam):
    for _ in range(5):
        assert subscribe("coordinator@campus.example.edu.vn", [exam]).status_code == 302
    assert len(smtp.messages) == 3


def test_a_public_update_reaches_the_subscribers_of_its_components(
        confirmed, post_update, smtp, exam_outage, exam, video):
    exam_watcher = confirmed("exam.watcher@campus.example.edu.vn", [exam])
    everything = confirmed("it@campus.example.edu.vn")
    confirmed("video.watcher@campus.example.edu.vn", [video])
    smtp.received.clear()

    post_update(exam_outage, UPDATE)
    assert sorted(r for rcpts, _ in smtp.received for r in rcpts) == [
        exam_watcher.email, everything.email]
    for _, message in smtp.received:
        assert message["Subject"] == "[Service status] Exam submissions fail: Investigating"
        body = body_of(message)
        assert UPDATE in body and "LMS · exam submission" in body
        assert NOTE not in body and "ngoc.a.le" not in body
        unfolded = "".join(message["List-Unsubscribe"].split())
        assert unfolded == f"<{UNSUBSCRIBE.search(body).group(0)}>"


def test_an_internal_note_is_never_emailed_to_subscribers(confirmed, post_update, smtp,
                                                          exam_outage, exam):
    confirmed("exam.watcher@campus.example.edu.vn", [exam])
    smtp.received.clear()
    post_update(exam_outage, NOTE, public=False)
    assert smtp.received == []
    assert not DBTaskResult.objects.filter(task_path__endswith="send_subscriber_notices").exists()


def test_each_subscriber_is_told_an_update_once(confirmed, smtp, exam_outage, exam,
                                                django_capture_on_commit_callbacks, run_tasks):
    confirmed("exam.watcher@campus.example.edu.vn", [exam])
    smtp.received.clear()
    update = exam_outage.updates.get(public=True)
    with django_capture_on_commit_callbacks(execute=True):
        queue_subscriber_notices(update=update)
        queue_subscriber_notices(update=update)  # as a job run twice would
    assert run_tasks() == 2
    assert len(smtp.messages) == 1


def test_a_vietnamese_subscriber_reads_vietnamese(client, confirmed, post_update, smtp,
                                                  exam_outage, exam):
    client.get("/status/?lang=vi")
    confirmed("giao.vien@campus.example.edu.vn", [exam])
    assert smtp.messages[0]["Subject"] != "Confirm your subscription to the service status"
    assert "Mở liên kết này để xác nhận" in body_of(smtp.messages[0])
    smtp.received.clear()
    post_update(exam_outage, UPDATE, body_vi="Đã triển khai bản sửa; đa số sinh viên nộp bài được.")
    body = body_of(smtp.messages[0])
    assert "Đã triển khai bản sửa" in body and UPDATE not in body
    assert "Hủy đăng ký" in body


def test_the_unsubscribe_link_ends_the_subscription(client, confirmed, post_update, smtp,
                                                    exam_outage, exam):
    confirmed("exam.watcher@campus.example.edu.vn", [exam])
    post_update(exam_outage, UPDATE)
    path = UNSUBSCRIBE.search(body_of(smtp.messages[-1])).group(1)
    assert client.get(path).status_code == 200
    assert Subscription.objects.exists()  # a GET (a mail scanner) changes nothing
    assert client.post(path).status_code == 302
    assert not Subscription.objects.exists()
    smtp.received.clear()
    post_update(exam_outage, "Monitoring the fix.")
    assert smtp.received == []


def test_a_notice_the_mail_server_cannot_take_is_tried_again_later(
        client, exam_outage, exam, smtp_down, django_capture_on_commit_callbacks, run_tasks):
    from opsdesk.status.services import SubscriptionRequest, confirm_subscription

    confirm_subscription(request=SubscriptionRequest(
        email="exam.watcher@campus.example.edu.vn", component_ids=(exam.pk,), language="en"))
    with django_capture_on_commit_callbacks(execute=True):
        queue_subscriber_notices(update=exam_outage.updates.get(public=True))
    assert run_tasks() == 1
    assert DBTaskResult.objects.get(status="SUCCESSFUL").return_value == \
        "0 sent, 1 failed, retrying"
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after is not None
