"""The LMS client against the fake LMS: accounts, reactivation, password resets, and
state changes that are safe to retry."""

import logging
import urllib.error
import urllib.request

import pytest

from opsdesk.connectors.errors import ConnectorError
from opsdesk.connectors.lms.client import LmsClient

from .conftest import RETRIES, SCENARIO, TIMEOUT, TOKEN

ACCOUNTS = SCENARIO["lms_accounts"]
THU = "thu.tran@campus.example.edu.vn"  # deactivated after 30 days without login
HOA = "hoa.nguyen@campus.example.edu.vn"  # active


@pytest.mark.parametrize("record", ACCOUNTS, ids=[a["email"] for a in ACCOUNTS])
def test_it_finds_every_account_with_its_status(lms, record):
    account = lms.account(record["email"])
    assert (account.email, account.status, account.reason) == (
        record["email"], record["status"], record.get("reason", ""))
    assert account.id


def test_an_address_without_an_account_is_none(lms):
    assert lms.account("nobody@campus.example.edu.vn") is None


def test_reactivation_makes_the_account_active_in_the_lms(lms, lms_fake):
    account = lms.account(THU)

    reactivated = lms.reactivate(account.id, idempotency_key="run-1:reactivate")

    assert (reactivated.id, reactivated.status, reactivated.reason) == (account.id, "active", "")
    assert lms_fake.account(THU)["status"] == "active"
    assert lms.account(THU).is_active
    [change] = lms_fake.changes("reactivate", account.id)
    assert (change.idempotency_key, change.changed) == ("run-1:reactivate", True)


def test_reactivating_an_active_account_changes_nothing(lms, lms_fake):
    account = lms.account(HOA)
    assert lms.reactivate(account.id, idempotency_key="run-2:reactivate").is_active
    [change] = lms_fake.changes("reactivate")
    assert change.changed is False


def test_a_password_reset_is_recorded_by_the_lms(lms, lms_fake):
    account = lms.account(HOA)

    assert lms.send_password_reset(account.id, idempotency_key="run-3:password_reset") is None

    [change] = lms_fake.changes("password_reset")
    assert (change.account_id, change.idempotency_key) == (account.id, "run-3:password_reset")


def test_a_deactivated_account_gets_no_password_reset(lms, lms_fake):
    account = lms.account(THU)
    with pytest.raises(ConnectorError) as failure:
        lms.send_password_reset(account.id, idempotency_key="run-4:password_reset")
    assert (failure.value.retryable, failure.value.status) == (False, 409)
    assert "account_deactivated" in failure.value.message
    assert lms_fake.changes() == []


def test_the_same_idempotency_key_changes_the_account_once(lms, lms_fake):
    account = lms.account(THU)
    first = lms.reactivate(account.id, idempotency_key="run-5:reactivate")
    lms_fake.set_account(THU, status="deactivated", reason="30 days without login")

    again = lms.reactivate(account.id, idempotency_key="run-5:reactivate")

    assert again == first
    assert lms_fake.requests[-1].path.endswith("/reactivate")
    assert len(lms_fake.changes("reactivate")) == 1
    assert lms_fake.account(THU)["status"] == "deactivated"  # the repeat did not touch it


def test_the_same_key_sends_one_password_reset(lms, lms_fake):
    account = lms.account(HOA)
    for _ in range(3):
        lms.send_password_reset(account.id, idempotency_key="run-6:password_reset")
    assert len(lms_fake.changes("password_reset")) == 1


def test_a_key_reused_for_another_action_is_refused(lms, lms_fake):
    account = lms.account(HOA)
    lms.send_password_reset(account.id, idempotency_key="run-7:step")
    with pytest.raises(ConnectorError) as failure:
        lms.reactivate(account.id, idempotency_key="run-7:step")
    assert (failure.value.retryable, failure.value.status) == (False, 422)
    assert lms_fake.changes("reactivate") == []


def test_a_post_without_idempotency_key_is_refused_by_the_fake(lms_fake):
    request = urllib.request.Request(  # noqa: S310 - a local fake
        f"{lms_fake.url}/accounts/1001/reactivate", data=b"", method="POST",
        headers={"Authorization": f"Bearer {TOKEN}"})
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=2)  # noqa: S310 - a local fake
    assert answer.value.code == 400
    assert lms_fake.changes() == []


def test_a_wrong_token_is_a_permanent_error_and_changes_nothing(lms_fake):
    client = LmsClient(lms_fake.url, "wrong", TIMEOUT, retries=RETRIES)
    with pytest.raises(ConnectorError) as failure:
        client.reactivate("1001", idempotency_key="run-8:reactivate")
    assert (failure.value.retryable, failure.value.status) == (False, 401)
    assert lms_fake.changes() == [] and lms_fake.count() == 1


def test_lms_down_is_a_retryable_error(lms, lms_fake):
    account = lms.account(THU)
    lms_fake.down()
    with pytest.raises(ConnectorError) as failure:
        lms.reactivate(account.id, idempotency_key="run-9:reactivate")
    assert failure.value.retryable
    lms_fake.up()
    assert lms_fake.account(THU)["status"] == "deactivated"


def test_a_500_on_reactivation_is_retried_with_the_same_key(lms, lms_fake):
    account = lms.account(THU)
    lms_fake.fail_next(1 + RETRIES, status=500, method="POST")

    with pytest.raises(ConnectorError) as failure:
        lms.reactivate(account.id, idempotency_key="run-10:reactivate")

    assert (failure.value.retryable, failure.value.status) == (True, 500)
    assert "after 3 attempts" in failure.value.message
    posts = [r for r in lms_fake.requests if r.method == "POST"]
    assert len(posts) == 1 + RETRIES
    assert {r.headers["Idempotency-Key"] for r in posts} == {"run-10:reactivate"}
    assert lms_fake.account(THU)["status"] == "deactivated"


def test_a_retry_after_a_500_reactivates_exactly_once(lms, lms_fake):
    account = lms.account(THU)
    lms_fake.fail_next(1 + RETRIES, status=500, method="POST")
    with pytest.raises(ConnectorError):
        lms.reactivate(account.id, idempotency_key="run-11:reactivate")

    assert lms.reactivate(account.id, idempotency_key="run-11:reactivate").is_active
    assert lms.reactivate(account.id, idempotency_key="run-11:reactivate").is_active
    assert len(lms_fake.changes("reactivate")) == 1


def test_a_timed_out_reactivation_that_went_through_is_not_done_twice(lms, lms_fake):
    """The LMS was slow but did the work: the retry with the same key gets that answer."""
    account = lms.account(THU)
    lms_fake.delay(TIMEOUT + 0.15)
    with pytest.raises(ConnectorError) as failure:
        lms.reactivate(account.id, idempotency_key="run-12:reactivate")
    assert failure.value.retryable and "no answer within 0.3 s" in failure.value.message
    lms_fake.delay(0)

    assert lms.reactivate(account.id, idempotency_key="run-12:reactivate").is_active
    assert len(lms_fake.changes("reactivate")) == 1


def test_a_timed_out_reactivation_that_never_arrived_leaves_the_account_unchanged(lms_fake):
    lms_fake.delay(TIMEOUT + 0.05, process=False)
    client = LmsClient(lms_fake.url, TOKEN, TIMEOUT, retries=0)
    with pytest.raises(ConnectorError) as failure:
        client.reactivate("1001", idempotency_key="run-13:reactivate")
    assert failure.value.retryable
    assert lms_fake.changes() == []


def test_a_dropped_connection_is_retryable(lms_fake):
    lms_fake.delay(0.01, process=False)
    with pytest.raises(ConnectorError) as failure:
        LmsClient(lms_fake.url, TOKEN, TIMEOUT, retries=0).account(THU)
    assert failure.value.retryable


def test_reactivating_an_unknown_account_is_a_permanent_error(lms):
    with pytest.raises(ConnectorError) as failure:
        lms.reactivate("9999", idempotency_key="run-14:reactivate")
    assert (failure.value.retryable, failure.value.status) == (False, 404)


def test_an_idempotency_key_is_required_and_header_safe(lms):
    with pytest.raises(TypeError):
        lms.reactivate("1001")
    with pytest.raises(ValueError, match="idempotency key"):
        lms.reactivate("1001", idempotency_key="two words")


def test_logs_name_accounts_by_id_only(lms, lms_fake, caplog):
    caplog.set_level(logging.DEBUG, logger="opsdesk.connectors")
    account = lms.account(THU)
    lms.reactivate(account.id, idempotency_key="run-15:reactivate")
    lms.account("nobody@campus.example.edu.vn")
    lms_fake.fail_next(1)
    lms.send_password_reset(account.id, idempotency_key="run-15:password_reset")

    assert f"account {account.id} reactivated" in caplog.text
    assert "trying again" in caplog.text
    assert "@" not in caplog.text
