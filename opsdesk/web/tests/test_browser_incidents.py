"""Incidents in the workspace, in a real browser (headless Chromium): open one from a
ticket, link two more from the queue, send an update to everyone, resolve."""

import importlib
from pathlib import Path

import pytest

from opsdesk.accounts.models import Role
from opsdesk.accounts.services import create_user
from opsdesk.incidents.models import Incident
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import MessageKind, Stage
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import tickets as ticket_workflow

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
REPORTS = (  # three students' words for one outage, unlike enough not to be linked at intake
    ("Cannot submit my WEB102 exam", "en", 12),
    ("Nộp bài thi không được", "vi", 8),
    ("Exam upload spinner never ends", "en", 10),
)


@pytest.fixture
def incident_templates(shipped_data):
    """The incident reply templates a migration ships (put back: a live server's database is
    flushed between tests, and conftest's shipped_data does not list them yet)."""
    from django.apps import apps

    importlib.import_module("opsdesk.communications.migrations.0004_incident_templates") \
        .add_defaults(apps, None)


@pytest.fixture
def reports(agent, incident_templates):
    tickets = []
    for n, (title, language, users) in enumerate(REPORTS, start=1):
        person = create_user(email=f"student{n}@campus.example.edu.vn", role=Role.REQUESTER,
                             name=f"Student {n}", password=None, language=language)
        tickets.append(ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
            requester=person, title=title, language=language,
            impact=Impact(affected_users=users, groups=[(f"WEB102-G{n}", users)]))))
    return tickets


def test_open_an_incident_from_a_ticket_link_two_from_the_queue_update_and_resolve(
        page, sign_in, agent, reports, run_tasks):
    first, second, third = reports
    sign_in(agent)

    page.goto(f"/desk/tickets/{first.pk}/")
    page.get_by_text("Open incident from this ticket").click()
    panel = page.locator("#incident-h ~ details")
    assert panel.get_by_label("Title").input_value() == first.title
    panel.get_by_label("Title").fill("Exam submission fails")
    panel.get_by_label("Affected components (comma-separated)").fill("LMS · exam submission")
    panel.get_by_role("button", name="Open incident").click()
    incident = Incident.objects.get()
    page.wait_for_url(f"**/desk/incidents/{incident.pk}/")
    assert "opened; you own it" in page.locator(".flash").inner_text()
    assert first.ref in page.locator("table.linked").inner_text()

    page.get_by_role("link", name="Queues").click()
    page.get_by_label("Select every ticket on this page").check()
    assert page.get_by_label(f"Select {first.ref}").is_checked()
    page.get_by_label(f"Select {first.ref}").uncheck()  # linked already
    for ticket in (second, third):
        assert page.get_by_label(f"Select {ticket.ref}").is_checked()
    page.get_by_label("Link the ticked tickets to").select_option(str(incident.pk))
    page.get_by_role("button", name="Link to incident").click()
    assert f"2 ticket(s) linked to {incident.ref}" in page.locator(".flash").inner_text()
    assert page.locator(f"a.badge:has-text('{incident.ref}')").count() == 3
    incident.refresh_from_db()
    assert (incident.affected_users, incident.cos) == (30, "expedite")  # 12 + 8 + 10 > 25

    page.locator(f"a.badge:has-text('{incident.ref}')").first.click()
    page.get_by_label("Status").first.select_option("identified")
    page.get_by_label("Update (English)").fill("The exam service lost its database pool.")
    page.get_by_label("Update (Vietnamese, optional)").fill("Dịch vụ thi mất kết nối CSDL.")
    assert page.get_by_label("Send to all linked requesters").is_checked()
    page.get_by_role("button", name="Post update").click()
    assert "every open linked requester" in page.locator(".flash").inner_text()
    head = page.locator(".ticket-head").inner_text()
    assert "Identified" in head and "WEB102-G1, WEB102-G2, WEB102-G3" in head
    run_tasks()
    page.reload()
    assert "not yet" not in page.locator("table.linked").inner_text()
    _shot(page, "workspace-incident.png")
    for ticket, words in ((first, "database pool"), (second, "mất kết nối"),
                          (third, "database pool")):
        assert ticket.messages.filter(kind=MessageKind.REPLY, template="incident_update",
                                      body__contains=words).exists(), ticket.ref

    page.get_by_label("Resolution (English)").fill("Pool settings rolled back.")
    page.get_by_label("Root cause").fill("A deployment shrank the pool.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Resolve incident").click()
    assert "resolved" in page.locator(".flash").inner_text()
    run_tasks()
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.root_cause == "A deployment shrank the pool."
    for ticket in reports:
        ticket.refresh_from_db()
        assert ticket.stage == Stage.RESOLVED
        assert ticket.messages.filter(template="incident_resolution").count() == 1
    page.reload()
    assert "Check again that it works" in page.locator("#followups-h ~ ul").inner_text()


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
