"""The HR client against the fake HR directory: who is who, and what failures mean."""

import pytest

from opsdesk.connectors.errors import ConnectorError
from opsdesk.connectors.hr.client import Employee, HrClient

from .conftest import RETRIES, SCENARIO, TIMEOUT, TOKEN

PEOPLE = SCENARIO["hr_directory"]


@pytest.mark.parametrize("person", PEOPLE, ids=[p["email"] for p in PEOPLE])
def test_it_finds_everyone_in_the_directory(hr, person):
    assert hr.employee(person["email"]) == Employee(
        email=person["email"], name=person["name"],
        employment_status=person["employment_status"], role=person["role"])


def test_an_active_teacher_is_active_and_a_terminated_one_is_not(hr):
    assert hr.employee("thu.tran@campus.example.edu.vn").is_active
    minh = hr.employee("minh.le@campus.example.edu.vn")
    assert (minh.employment_status, minh.is_active) == ("terminated", False)


def test_someone_unknown_to_hr_is_none(hr):
    assert hr.employee("stranger@elsewhere.example.com") is None


def test_the_address_is_matched_whatever_its_case(hr):
    assert hr.employee(" Thu.Tran@Campus.Example.edu.vn ").name == "Tran Thi Thu"


def test_it_sends_the_token_as_a_bearer(hr, hr_fake):
    hr.employee("thu.tran@campus.example.edu.vn")
    assert hr_fake.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_wrong_token_is_a_permanent_error_not_retried(hr_fake):
    client = HrClient(hr_fake.url, "wrong", TIMEOUT, retries=RETRIES, backoff=0.01)
    with pytest.raises(ConnectorError) as failure:
        client.employee("thu.tran@campus.example.edu.vn")
    assert (failure.value.retryable, failure.value.status) == (False, 401)
    assert "token" in failure.value.message
    assert hr_fake.count() == 1


def test_no_token_where_one_is_required_is_refused(hr_fake):
    with pytest.raises(ConnectorError) as failure:
        HrClient(hr_fake.url, "", TIMEOUT).employee("thu.tran@campus.example.edu.vn")
    assert not failure.value.retryable
    assert "Authorization" not in hr_fake.requests[-1].headers


def test_hr_down_is_a_retryable_error(hr, hr_fake):
    hr_fake.down()
    with pytest.raises(ConnectorError) as failure:
        hr.employee("thu.tran@campus.example.edu.vn")
    assert failure.value.retryable
    assert "could not connect" in failure.value.message
    assert "after 3 attempts" in failure.value.message


def test_hr_back_up_answers_again(hr, hr_fake):
    hr_fake.down()
    with pytest.raises(ConnectorError):
        hr.employee("thu.tran@campus.example.edu.vn")
    hr_fake.up()
    assert hr.employee("thu.tran@campus.example.edu.vn").is_active


def test_a_slow_directory_times_out_with_a_retryable_error(hr_fake):
    hr_fake.delay(TIMEOUT + 0.2)
    client = HrClient(hr_fake.url, TOKEN, TIMEOUT, retries=0)
    with pytest.raises(ConnectorError) as failure:
        client.employee("thu.tran@campus.example.edu.vn")
    assert failure.value.retryable
    assert failure.value.message == "HR directory: no answer within 0.3 s"


def test_a_500_is_retried_then_reported_as_retryable(hr, hr_fake):
    hr_fake.fail_next(1 + RETRIES, status=500)
    with pytest.raises(ConnectorError) as failure:
        hr.employee("thu.tran@campus.example.edu.vn")
    assert (failure.value.retryable, failure.value.status) == (True, 500)
    assert hr_fake.count("GET", "/employees") == 1 + RETRIES


def test_a_passing_500_is_absorbed_by_a_retry(hr, hr_fake):
    hr_fake.fail_next(RETRIES, status=503)
    assert hr.employee("thu.tran@campus.example.edu.vn").is_active
    assert hr_fake.count("GET", "/employees") == 1 + RETRIES


@pytest.mark.parametrize("status", [408, 429])
def test_throttling_and_request_timeouts_are_retried(hr, hr_fake, status):
    hr_fake.fail_next(1, status=status)
    assert hr.employee("thu.tran@campus.example.edu.vn") is not None
    assert hr_fake.count() == 2


def test_another_4xx_is_permanent_and_not_retried(hr, hr_fake):
    hr_fake.fail_next(1, status=422)
    with pytest.raises(ConnectorError) as failure:
        hr.employee("thu.tran@campus.example.edu.vn")
    assert (failure.value.retryable, failure.value.status) == (False, 422)
    assert failure.value.message == "HR directory: HTTP 422 (injected_failure)"
    assert hr_fake.count() == 1


def test_a_wrong_base_url_is_an_error_not_an_unknown_person(hr_fake):
    client = HrClient(hr_fake.url + "/v2", TOKEN, TIMEOUT)
    with pytest.raises(ConnectorError) as failure:
        client.employee("thu.tran@campus.example.edu.vn")
    assert not failure.value.retryable
    assert "check the base URL" in failure.value.message


def test_errors_never_carry_the_address_looked_up(hr, hr_fake):
    hr_fake.fail_next(1 + RETRIES)
    with pytest.raises(ConnectorError) as failure:
        hr.employee("thu.tran@campus.example.edu.vn")
    assert "thu.tran" not in str(failure.value)


def test_ping_checks_the_directory_and_the_token(hr, hr_fake):
    hr.ping()
    with pytest.raises(ConnectorError):
        HrClient(hr_fake.url, "wrong", TIMEOUT).ping()
