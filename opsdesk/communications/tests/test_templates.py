"""Templates: shipped in English and Vietnamese, filled from the ticket, editable."""

import pytest
import time_machine
from django.utils import timezone

from opsdesk.communications.models import MessageTemplate, TemplateKey
from opsdesk.communications.rendering import render
from opsdesk.demo.replay import create_from, load_scenario
from opsdesk.tickets.models import Message
from opsdesk.tickets.tests.refusals import assert_error, changes_nothing

VIETNAMESE_LETTERS = set("ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợúùủũụứừửữựíìỉĩịéèẻẽẹóòỏõọ")


@pytest.fixture
def outage(agent):
    return create_from(load_scenario("expedite-exam-outage")["ticket"], agent=agent)


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("key", TemplateKey.values)
def test_every_template_ships_and_fills_in(key, language, outage):
    rendered = render(key=key, ticket=outage, language=language)
    assert rendered.language == language
    assert "{{" not in rendered.body and "{%" not in rendered.body
    assert rendered.subject and rendered.body
    if language == "vi":
        assert VIETNAMESE_LETTERS & set(rendered.body.lower())


def test_templates_rendered_together_read_the_ticket_once(outage, monkeypatch):
    """As rendered one by one, with the ticket's clocks and groups read once for all; a
    template only in English is filled with the English labels."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opsdesk.communications import rendering

    keys = [TemplateKey.ACK, TemplateKey.MANAGER_NOTICE, TemplateKey.DEV_ALERT]
    MessageTemplate.objects.filter(key=TemplateKey.DEV_ALERT, language="vi").delete()
    outage.language = "vi"
    reads: list[str] = []
    original = rendering.context_for
    with time_machine.travel(timezone.now(), tick=False):  # "next update at" is from now
        alone = {key: render(key=key, ticket=outage) for key in keys}
        monkeypatch.setattr(rendering, "context_for", lambda *a, **kw: reads.append(
            kw["language"]) or original(*a, **kw))
        with CaptureQueriesContext(connection) as queries:
            together = rendering.render_many(keys=keys, ticket=outage)
    assert together == alone
    assert together[TemplateKey.DEV_ALERT].language == "en"
    assert reads == ["vi", "en"]
    assert len([q for q in queries if "sla_slaclock" in q["sql"]]) <= 2  # one per language


def test_the_ack_names_the_groups_and_the_next_update(outage):
    body = render(key="ack", ticket=outage).body
    assert "WEB102-HN (20), DATA101-SG (18), MOBILE201-HN (15)" in body
    assert "You will hear from us again by" in body


def test_a_reply_can_start_from_a_template(api, agent, outage):
    response = api.as_(agent).post(f"/api/v1/tickets/{outage.pk}/messages",
                                   {"kind": "reply", "template": "update"})
    assert response.status_code == 201, response.json()
    assert response.json()["body"].startswith("Dear Le Ngoc A,")
    assert Message.objects.get(pk=response.json()["id"]).template == "update"


def test_an_edited_template_text_is_kept_as_written(api, agent, outage):
    response = api.as_(agent).post(f"/api/v1/tickets/{outage.pk}/messages",
                                   {"kind": "reply", "template": "update", "body": "Edited."})
    assert response.json()["body"] == "Edited."


def test_an_unknown_template_is_refused_and_nothing_is_stored(api, agent, outage):
    with changes_nothing(outage):
        response = api.as_(agent).post(f"/api/v1/tickets/{outage.pk}/messages",
                                       {"kind": "reply", "template": "poem"})
    assert_error(response, 422, "invalid", fields=("template",))


def test_the_composer_previews_a_template_for_the_ticket(api, agent, outage):
    preview = api.as_(agent).get(f"/api/v1/tickets/{outage.pk}/templates/ack",
                                 {"language": "vi"}).json()
    assert preview["language"] == "vi"
    assert preview["subject"].startswith(f"Chúng tôi đã nhận yêu cầu {outage.ref}")


def test_a_manager_edits_a_template_and_a_broken_one_is_refused(api, manager):
    template = MessageTemplate.objects.get(key="ack", language="en", cos="")
    broken = api.as_(manager).patch(f"/api/v1/templates/{template.pk}",
                                    {"body": "Hello {% if %}"})
    assert_error(broken, 422, "invalid", fields=("body",))
    fixed = api.as_(manager).patch(f"/api/v1/templates/{template.pk}",
                                   {"body": "Hello {{ requester_name }}"})
    assert fixed.status_code == 200
    template.refresh_from_db()
    assert template.body == "Hello {{ requester_name }}"


def test_a_class_specific_template_wins_over_the_general_one(outage):
    MessageTemplate.objects.create(key="ack", language="en", cos="expedite",
                                   subject="URGENT {{ ref }}", body="Expedite ACK")
    assert render(key="ack", ticket=outage).body == "Expedite ACK"


def test_an_agent_cannot_edit_templates(api, agent):
    template = MessageTemplate.objects.first()
    assert_error(api.as_(agent).patch(f"/api/v1/templates/{template.pk}", {"body": "x"}),
                 403, "forbidden")


@pytest.mark.parametrize(("language", "team"), [("en", "Support team"), ("vi", "Đội hỗ trợ")])
def test_an_ack_nobody_has_taken_is_signed_by_the_team_once(language, team, outage):
    outage.assignee = None
    body = render(key="ack", ticket=outage, language=language).body
    assert body.rstrip().endswith(team)
    assert body.count(team) == 1


def test_an_ack_of_an_assigned_ticket_is_signed_by_the_agent(agent, outage):
    outage.assignee = agent
    body = render(key="ack", ticket=outage).body
    assert body.rstrip().endswith(agent.display_name)


def test_a_desk_still_holding_the_old_ack_has_it_signed_once_and_an_edited_one_is_kept(db):
    import importlib

    from django.apps import apps

    fix = importlib.import_module("opsdesk.communications.migrations.0003_ack_signed_once")
    english = MessageTemplate.objects.get(key="ack", language="en", cos="")
    vietnamese = MessageTemplate.objects.get(key="ack", language="vi", cos="")
    shipped = english.body
    english.body = shipped + "\nSupport team"
    english.save()
    vietnamese.body = "Edited by the desk.\nĐội hỗ trợ"
    vietnamese.save()
    fix.sign_once(apps, None)
    english.refresh_from_db()
    vietnamese.refresh_from_db()
    assert english.body == shipped
    assert vietnamese.body == "Edited by the desk.\nĐội hỗ trợ"
