"""Automation metrics: runs per outcome, the login-recovery auto-resolution rate, time saved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from opsdesk.playbooks.metrics import automation_metrics
from opsdesk.playbooks.runner import run_playbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(worked, connectors):
    """Four tickets in: two fixed by the playbook, one escalated, one not about login."""
    return [worked(key) for key in ("101", "102", "103", "104")]


def test_two_of_three_login_tickets_were_resolved_with_no_person(week):
    found = automation_metrics()
    assert found.runs == {"playbook": {"matched": 3}}
    assert found.playbook_results == {"login_recovery": {"resolved": 2, "escalated": 1}}
    assert (found.login_recovery_tickets, found.auto_resolved_tickets) == (3, 2)
    assert found.auto_resolution_rate == pytest.approx(2 / 3)


def test_time_saved_is_the_fixes_times_the_configured_minutes(week, settings):
    assert automation_metrics().minutes_saved == 2 * 15
    settings.OPSDESK_MANUAL_FIX_MINUTES = 20
    found = automation_metrics()
    assert (found.fixed_runs, found.minutes_per_fix, found.minutes_saved) == (
        2, {"login_recovery": 20}, 40)


def test_a_playbook_may_set_its_own_minutes(week, monkeypatch):
    from opsdesk.playbooks.login_recovery import LoginRecovery

    monkeypatch.setattr(LoginRecovery, "manual_fix_minutes", 7)
    assert automation_metrics().minutes_saved == 14


def test_a_fix_started_by_hand_saves_time_but_is_not_automatic(worked, connectors, agent,
                                                              settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    ticket = worked("101")
    run_playbook("login_recovery", ticket=ticket, actor=agent, dry_run=True)
    run_playbook("login_recovery", ticket=ticket, actor=agent)
    found = automation_metrics()
    assert found.runs == {"playbook": {"matched": 1}}  # the dry run is not counted
    assert (found.login_recovery_tickets, found.auto_resolved_tickets) == (1, 0)
    assert found.auto_resolution_rate == 0
    assert found.minutes_saved == 15


def test_the_period_counts_only_what_happened_in_it(week):
    tomorrow = timezone.now() + timedelta(days=1)
    found = automation_metrics(since=tomorrow)
    assert (found.runs, found.login_recovery_tickets, found.minutes_saved) == ({}, 0, 0)
    assert found.auto_resolution_rate is None


def test_the_api_gives_the_figures_of_a_period(week, api, manager):
    today = timezone.localdate().isoformat()
    body = api.as_(manager).get("/api/v1/automation/metrics",
                                {"from": today, "to": today}).json()
    assert body["runs"] == {"playbook": {"matched": 3}}
    assert body["auto_resolution_rate"] == pytest.approx(2 / 3)
    assert body["minutes_saved"] == 30
    assert body["from"].startswith(today)


def test_the_api_refuses_a_bad_date_and_a_requester(api, manager, requester):
    response = api.as_(manager).get("/api/v1/automation/metrics", {"from": "last week"})
    assert response.status_code == 422
    assert "'from' must be a date" in response.json()["error"]["message"]
    assert api.as_(requester).get("/api/v1/automation/metrics").status_code == 403
