"""API tokens: shown once, stored as a SHA-256 hash, refused once revoked."""

import hashlib
from datetime import timedelta

import pytest

from opsdesk.accounts.models import ApiToken
from opsdesk.accounts.services import create_token, revoke_token, user_for_token

pytestmark = pytest.mark.django_db


def test_it_stores_only_the_sha256_of_a_token(agent):
    token, raw = create_token(user=agent, name="monitoring")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()


def test_the_raw_token_is_nowhere_in_the_database(agent):
    token, raw = create_token(user=agent, name="monitoring")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(raw in str(value) for value in row.values())
    assert len(row["prefix"]) < len(raw) // 2


def test_each_token_is_new(agent):
    _first, one = create_token(user=agent)
    _second, two = create_token(user=agent)
    assert one != two


def test_a_token_identifies_its_user(agent):
    _token, raw = create_token(user=agent)
    assert user_for_token(raw) == agent


def test_an_unknown_token_identifies_nobody(agent):
    _token, raw = create_token(user=agent)
    assert user_for_token(raw + "x") is None


def test_a_revoked_token_identifies_nobody(agent):
    token, raw = create_token(user=agent)
    revoke_token(token=token)
    assert user_for_token(raw) is None


def test_revoking_keeps_the_first_revocation_time(agent):
    token, _raw = create_token(user=agent)
    first = revoke_token(token=token).revoked_at
    assert revoke_token(token=ApiToken.objects.get(pk=token.pk)).revoked_at == first


def test_revoking_one_token_leaves_the_others_working(agent):
    revoked, raw_revoked = create_token(user=agent)
    _kept, raw_kept = create_token(user=agent)
    revoke_token(token=revoked)
    assert (user_for_token(raw_revoked), user_for_token(raw_kept)) == (None, agent)


def test_the_token_of_an_inactive_user_identifies_nobody(agent):
    _token, raw = create_token(user=agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert user_for_token(raw) is None


def test_using_a_token_records_when(agent):
    token, raw = create_token(user=agent)
    user_for_token(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_a_token_in_use_is_recorded_as_used_at_most_once_a_minute(agent):
    token, raw = create_token(user=agent)
    user_for_token(raw)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert user_for_token(raw) == agent
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # not written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    user_for_token(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first  # a minute on: recorded
