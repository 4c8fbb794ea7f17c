"""Rules in admin: a bad definition is shown on the form and not stored; runs are readable."""

import pytest
from django.test import Client

from opsdesk.automation.models import AutomationRun, Rule

pytestmark = pytest.mark.django_db

FORM = {"name": "Route login tickets", "position": 0, "enabled": "on",
        "trigger": "ticket_created", "conditions": "[]", "repeat_after_minutes": 60}


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_an_admin_adds_a_rule(admin_client, admin_user):
    response = admin_client.post("/admin/automation/rule/add/", {
        **FORM, "actions": '[{"action": "add_tag", "tag": "login"}]'})
    assert response.status_code == 302, response.content
    assert Rule.objects.get().created_by == admin_user


def test_the_admin_form_names_what_is_wrong(admin_client):
    response = admin_client.post("/admin/automation/rule/add/", {
        **FORM, "actions": '[{"action": "add_tag"}, {"action": "send_template", '
                           '"template": "hello"}]'})
    assert response.status_code == 200
    page = response.content.decode()
    assert "actions[0].tag: a tag name of 1 to 64 characters" in page
    assert "actions[1].template: unknown template &#x27;hello&#x27;" in page
    assert not Rule.objects.exists()


def test_a_run_and_its_steps_are_shown(admin_client, make_rule, make_ticket):
    make_rule("ticket_created", [{"action": "add_tag", "tag": "login"}])
    run = AutomationRun.objects.get(ticket=make_ticket())
    response = admin_client.get(f"/admin/automation/automationrun/{run.pk}/change/")
    assert response.status_code == 200
    assert "then add tag" in response.content.decode()
    assert admin_client.get("/admin/automation/automationrun/").status_code == 200
