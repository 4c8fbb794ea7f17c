"""Connectors configured in admin: validation, the clients built from them, the demo rows."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from opsdesk.connectors.admin import ConnectorConfigForm
from opsdesk.connectors.clients import hr_client, lms_client
from opsdesk.connectors.demo import ensure_demo_connectors, fake_commands
from opsdesk.connectors.errors import ConnectorError
from opsdesk.connectors.hr.client import HrClient
from opsdesk.connectors.lms.client import LmsClient
from opsdesk.connectors.models import ConnectorConfig

from .conftest import TOKEN

pytestmark = pytest.mark.django_db


def config(**fields):
    fields = {"kind": "lms", "name": "Campus LMS", "base_url": "https://lms.example.edu.vn/api",
              **fields}
    return ConnectorConfig(**fields)


@pytest.mark.parametrize("url", [
    "ftp://lms.example.edu.vn/", "file:///etc/passwd", "javascript:alert(1)", "lms.example.edu.vn",
    "http://", "https://admin:secret@lms.example.edu.vn/", "https://lms.example.edu.vn/?key=1",
    "http://lms.example.edu.vn:99999/",
])
def test_a_base_url_that_is_not_plain_http_is_refused(url):
    with pytest.raises(ValidationError) as refused:
        config(base_url=url).full_clean()
    assert "base_url" in refused.value.message_dict


@pytest.mark.parametrize("url", [
    "https://lms.example.edu.vn/api", "http://127.0.0.1:8092", "http://hr-directory:8080/",
])
def test_http_and_https_base_urls_are_accepted(url):
    config(base_url=url).full_clean()


def test_the_defaults_are_five_seconds_and_two_retries():
    saved = config()
    saved.save()
    saved.refresh_from_db()
    assert (saved.timeout_seconds, saved.retries, saved.enabled, saved.token) == (5.0, 2, True, "")


def test_without_a_connector_there_is_a_clear_permanent_error():
    with pytest.raises(ConnectorError) as failure:
        lms_client()
    assert failure.value.message.startswith("No LMS connector is configured")
    assert not failure.value.retryable
    with pytest.raises(ConnectorError, match="No HR connector is configured"):
        hr_client()


def test_a_disabled_connector_is_not_used():
    config(enabled=False).save()
    with pytest.raises(ConnectorError, match="No LMS connector"):
        lms_client()


def test_only_one_connector_of_a_kind_can_be_enabled():
    config().save()
    second = config(name="Another LMS")
    with pytest.raises(ValidationError):
        second.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    config(name="Spare LMS", enabled=False).save()


def test_the_clients_are_built_from_the_enabled_configuration(hr_fake, lms_fake):
    ConnectorConfig.objects.create(kind="hr", name="HR", base_url=hr_fake.url, token=TOKEN,
                                   timeout_seconds=0.3, retries=1)
    ConnectorConfig.objects.create(kind="lms", name="LMS", base_url=lms_fake.url, token=TOKEN,
                                   timeout_seconds=0.3, retries=1)
    hr, lms = hr_client(), lms_client()

    assert isinstance(hr, HrClient) and isinstance(lms, LmsClient)
    assert hr.employee("thu.tran@campus.example.edu.vn").is_active
    assert lms.account("thu.tran@campus.example.edu.vn").status == "deactivated"
    assert (lms.http.timeout, lms.http.retries) == (0.3, 1)
    lms_fake.fail_next(2)
    with pytest.raises(ConnectorError, match="after 2 attempts"):
        lms.account("thu.tran@campus.example.edu.vn")


def test_a_stored_base_url_that_slipped_past_validation_fails_permanently():
    ConnectorConfig.objects.create(kind="hr", name="HR", base_url="gopher://hr")
    with pytest.raises(ConnectorError) as failure:
        hr_client()
    assert not failure.value.retryable


def test_the_demo_connectors_point_at_the_local_fakes_once():
    ensure_demo_connectors()
    ensure_demo_connectors()
    assert sorted(ConnectorConfig.objects.values_list("kind", "base_url", "enabled")) == [
        ("hr", "http://127.0.0.1:8091", True), ("lms", "http://127.0.0.1:8092", True)]
    assert [argv[argv.index("--port") + 1] for argv in fake_commands()] == ["8091", "8092"]


def test_the_demo_leaves_a_configured_connector_alone():
    config(base_url="https://lms.example.edu.vn/api").save()
    ensure_demo_connectors()
    assert lms_client().http.base_url == "https://lms.example.edu.vn/api"


def form(instance=None, **data):
    data = {"name": "Campus LMS", "kind": "lms", "base_url": "https://lms.example.edu.vn",
            "timeout_seconds": "5", "retries": "2", "enabled": "on", **data}
    return ConnectorConfigForm(data=data, instance=instance)


def test_admin_keeps_the_token_when_left_blank_and_removes_it_on_request():
    saved = form(token="s3cret").save()
    assert saved.token == "s3cret"
    assert form(instance=saved, token="").save().token == "s3cret"
    assert form(instance=saved, token="", remove_token="on").save().token == ""


def test_admin_never_shows_the_token(admin_user):
    saved = form(token="s3cret-token-value").save()
    browser = Client()
    browser.force_login(admin_user)

    page = browser.get(f"/admin/connectors/connectorconfig/{saved.pk}/change/")

    assert page.status_code == 200
    assert b"s3cret-token-value" not in page.content


def test_admin_check_reports_whether_each_connector_answers(admin_user, hr_fake, lms_fake):
    good = ConnectorConfig.objects.create(kind="hr", name="HR", base_url=hr_fake.url, token=TOKEN)
    bad = ConnectorConfig.objects.create(kind="lms", name="LMS", base_url=lms_fake.url,
                                         token="wrong")
    browser = Client()
    browser.force_login(admin_user)

    page = browser.post("/admin/connectors/connectorconfig/",
                        {"action": "check_action", "_selected_action": [good.pk, bad.pk]},
                        follow=True)

    text = page.content.decode()
    assert "HR: answers." in text
    assert "LMS: LMS refused the credentials (HTTP 401)" in text
