"""The automation page (rules, figures, "what would happen") and the ticket page's playbook
buttons, without a browser: permissions, refusals, and that a dry run changes nothing."""

import pytest
from django.test import Client

from opsdesk.automation.models import AutomationRun, Rule
from opsdesk.tickets.models import Message
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import tickets as ticket_workflow

pytestmark = pytest.mark.django_db
TAG_LOGIN = [{"action": "add_tag", "tag": "login"}]
LOGIN_WORDS = [{"field": "text", "op": "contains", "value": ["log in"]}]


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rule(manager):
    from opsdesk.automation.services import create_rule

    def make(name, **fields):
        fields.setdefault("trigger", "ticket_created")
        fields.setdefault("actions", TAG_LOGIN)
        return create_rule(actor=manager, name=name, **fields)

    return make


def form_data(**fields):
    data = {"name": "Tag login tickets", "description": "", "trigger": "ticket_created",
            "conditions": '[{"field": "text", "op": "contains", "value": ["log in"]}]',
            "actions": '[{"action": "add_tag", "tag": "login"}]', "enabled": "on",
            "repeat_after_minutes": "60"}
    return {**data, **fields}


def test_the_rules_are_listed_in_order_with_what_they_do(agent, rule):
    rule("Second", position=2, conditions=LOGIN_WORDS)
    rule("First", position=1, enabled=False)
    page = client_for(agent).get("/desk/rules/").content.decode()
    assert page.index("First") < page.index("Second")
    assert "Disabled" in page and "Enabled" in page and "Ticket created" in page
    assert "add tag &#x27;login&#x27;" in page and "log in" in page
    assert 'href="/desk/rules/"' in page  # in the workspace navigation
    assert "New rule" not in page  # agents read and test; managers change


def test_a_manager_adds_a_rule_through_the_form(manager):
    response = client_for(manager).post("/desk/rules/new", form_data())
    assert response.status_code == 302
    stored = Rule.objects.get()
    assert (stored.name, stored.conditions, stored.actions, stored.position) == (
        "Tag login tickets", LOGIN_WORDS, TAG_LOGIN, 1)


@pytest.mark.parametrize(("actions", "said"), [
    ('[{"action": "run_playbook", "playbook": "reboot"}]',
     "actions[0].playbook: unknown playbook &#x27;reboot&#x27;"),
    ('[{"action": "add_tag", "tag": "login"', "Not valid JSON"),
    ("[]", "a rule needs at least one action"),
])
def test_an_invalid_definition_is_refused_with_the_reason(manager, actions, said):
    response = client_for(manager).post("/desk/rules/new", form_data(actions=actions))
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not Rule.objects.exists()


def test_an_agent_may_not_change_rules(agent, rule):
    stored = rule("Tag")
    desk = client_for(agent)
    assert desk.post("/desk/rules/new", form_data()).status_code == 403
    assert desk.post(f"/desk/rules/{stored.pk}/toggle").status_code == 403
    assert Rule.objects.get().enabled


def test_a_requester_sees_no_automation(requester, rule):
    stored = rule("Tag")
    portal = client_for(requester)
    assert portal.get("/desk/rules/").status_code == 403
    assert portal.post("/desk/rules/test", {"rule": stored.pk, "ticket": "1"}
                       ).status_code == 403


def test_a_manager_edits_disables_and_reorders(manager, rule):
    first, second = rule("First", position=1), rule("Second", position=2)
    desk = client_for(manager)
    desk.post(f"/desk/rules/{second.pk}/", form_data(name="Second, renamed"))
    desk.post(f"/desk/rules/{first.pk}/toggle")
    desk.post(f"/desk/rules/{second.pk}/move", {"direction": "up"})
    rules = list(Rule.objects.order_by("position"))
    assert [(r.name, r.position, r.enabled) for r in rules] == [
        ("Second, renamed", 1, True), ("First", 2, False)]


def test_what_would_happen_shows_the_actions_and_changes_nothing(agent, requester, rule):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Cannot log in"))
    stored = rule("Tag login tickets", conditions=LOGIN_WORDS)  # after: it did not run
    response = client_for(agent).post("/desk/rules/test",
                                      {"rule": stored.pk, "ticket": ticket.ref})
    page = response.content.decode()
    assert response.status_code == 200 and "it would act" in page
    assert "add tag &#x27;login&#x27;" in page and "would_run" in page
    assert not ticket.tags.exists()
    assert AutomationRun.objects.get(ticket=ticket).dry_run


def test_an_unknown_ticket_ref_is_refused(agent, rule):
    stored = rule("Tag")
    response = client_for(agent).post("/desk/rules/test", {"rule": stored.pk, "ticket": "#99999"})
    assert response.status_code == 400 and "No ticket #99999." in response.content.decode()


def test_the_page_shows_what_automation_did(agent, manager, connectors, scenario_ticket,
                                            settings):
    settings.OPSDESK_MANUAL_FIX_MINUTES = 12
    from opsdesk.playbooks.runner import run_playbook

    run_playbook("login_recovery", ticket=scenario_ticket("101"), trigger="ticket_created")
    page = client_for(agent).get("/desk/rules/").content.decode()
    assert "100 % (1 / 1)" in page and "12 minutes" in page


def test_a_dry_run_from_the_ticket_page_changes_nothing(agent, connectors, lms_fake,
                                                        scenario_ticket, settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    ticket = scenario_ticket("101")
    before = Message.objects.filter(ticket=ticket).count()
    desk = client_for(agent)
    response = desk.post(f"/desk/tickets/{ticket.pk}/playbooks",
                         {"playbook": "login_recovery", "mode": "dry_run"})
    assert response.status_code == 302 and response["Location"].endswith("#runs-h")
    run = AutomationRun.objects.get(ticket=ticket)
    assert run.dry_run and run.result["action"] == "reactivate"
    assert lms_fake.changes() == []
    assert Message.objects.filter(ticket=ticket).count() == before
    ticket.refresh_from_db()
    assert ticket.stage == "new"
    page = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "ask the HR directory" in page and "Nothing was changed" in page
    assert "Retry" not in page


def test_a_failed_run_is_retried_from_the_ticket_page(agent, connectors, lms_fake,
                                                      scenario_ticket, settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    ticket = scenario_ticket("101")
    desk = client_for(agent)
    lms_fake.down()
    desk.post(f"/desk/tickets/{ticket.pk}/playbooks", {"playbook": "login_recovery",
                                                      "mode": "run"})
    run = AutomationRun.objects.get(ticket=ticket)
    assert run.outcome == "failed"
    page = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f"/desk/tickets/{ticket.pk}/automation-runs/{run.pk}/retry" in page
    lms_fake.up()
    desk.post(f"/desk/tickets/{ticket.pk}/automation-runs/{run.pk}/retry")
    run.refresh_from_db()
    assert run.outcome == "matched" and run.result["outcome"] == "resolved"
    assert [c.action for c in lms_fake.changes()] == ["reactivate"]
    response = desk.post(f"/desk/tickets/{ticket.pk}/automation-runs/{run.pk}/retry",
                         follow=True)
    assert "only a failed run can be retried" in response.content.decode()


def test_the_automation_pages_speak_vietnamese(agent, manager, rule, connectors,
                                              scenario_ticket, settings):
    settings.OPSDESK_LOGIN_RECOVERY_AUTO = False
    rule("Gắn thẻ đăng nhập", conditions=LOGIN_WORDS)
    ticket = scenario_ticket("105")
    desk = client_for(manager)
    desk.cookies["django_language"] = "vi"
    page = desk.get("/desk/rules/").content.decode()
    assert "Quy tắc tự động hoá" in page and "Yêu cầu được tạo" in page
    assert "Đang bật" in page and "Điều gì sẽ xảy ra" in page
    desk.post(f"/desk/tickets/{ticket.pk}/playbooks", {"playbook": "login_recovery",
                                                      "mode": "dry_run"})
    page = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Chạy thử" in page and "Chạy kịch bản" in page and "đã giải quyết" in page
    assert "Không có gì bị thay đổi" in page
