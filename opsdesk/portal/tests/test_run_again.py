"""The sign-in link job, run again after its worker died, sends no second link."""

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from opsdesk.core.models import SentEmail

pytestmark = pytest.mark.django_db


def test_a_sign_in_link_job_run_again_sends_no_second_link(
        client, requester, django_capture_on_commit_callbacks, run_tasks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/login/", {"email": requester.email})
    assert run_tasks() == 1
    job = DBTaskResult.objects.get()
    DBTaskResult.objects.filter(pk=job.pk).update(status="READY")  # as if never marked done
    assert run_tasks() == 1

    assert len(mail.outbox) == 1
    assert DBTaskResult.objects.get(pk=job.pk).return_value == "sent already"
    assert SentEmail.objects.filter(key=f"sign-in-link:{job.pk}").exists()
