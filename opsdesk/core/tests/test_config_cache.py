"""Configuration kept per process: read once, cleared by a change, re-read when old."""

import pytest

from opsdesk.core import config_cache
from opsdesk.sla.models import SlaPolicy
from opsdesk.sla.services import enabled_policies
from opsdesk.tickets.classification import active_rules
from opsdesk.tickets.models import CosRule

pytestmark = pytest.mark.django_db


def test_the_rules_are_read_once(django_assert_num_queries):
    active_rules()
    with django_assert_num_queries(0):
        assert active_rules()


def test_a_saved_change_is_seen_at_once():
    before = {r.name for r in active_rules()}
    rule = CosRule.objects.get(name="More than 25 users")
    rule.enabled = False
    rule.save()
    assert {r.name for r in active_rules()} == before - {"More than 25 users"}


def test_a_deleted_policy_is_forgotten_at_once():
    policy = enabled_policies()[0]
    SlaPolicy.objects.filter(pk=policy.pk).get().delete()
    assert policy.pk not in {p.pk for p in enabled_policies()}


def test_a_change_from_another_process_is_seen_once_the_copy_is_old(settings):
    active_rules()
    CosRule.objects.filter(name="More than 25 users").update(enabled=False)  # no signal here
    assert "More than 25 users" in {r.name for r in active_rules()}
    settings.OPSDESK_CONFIG_CACHE_SECONDS = 0
    assert "More than 25 users" not in {r.name for r in active_rules()}


def test_the_copies_can_be_forgotten_by_hand(django_assert_num_queries):
    active_rules()
    config_cache.clear_config_cache()
    with django_assert_num_queries(1):
        active_rules()
