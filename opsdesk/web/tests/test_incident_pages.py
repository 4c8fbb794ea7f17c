"""The workspace's incident pages without a browser: who may use them, every action through
its workflow, and every refusal changing nothing."""

from contextlib import contextmanager

import pytest
from django.test import Client
from django.urls import reverse

from opsdesk.communications.incident_notices import incident_link
from opsdesk.incidents.models import (
    FollowUp,
    Incident,
    IncidentCandidate,
    IncidentEvent,
    IncidentStatus,
    IncidentUpdate,
)
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import Message, MessageKind, Stage, Ticket
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import incidents as workflow
from opsdesk.workflows import tickets as ticket_workflow


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def desk(agent):
    return client_for(agent)


@pytest.fixture
def report(agent):
    """A ticket from its own requester: `report(n, users=12, language="vi")`."""
    from opsdesk.accounts.models import Role
    from opsdesk.accounts.services import create_user

    def make(n, *, users=1, language="en", title=""):
        person = create_user(email=f"student{n}@campus.example.edu.vn", role=Role.REQUESTER,
                             name=f"Student {n}", password=None, language=language)
        return ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
            requester=person, title=title or f"Question {n} about my course",
            language=language, impact=Impact(affected_users=users)))
    return make


@pytest.fixture
def incident(agent):
    return workflow.open_incident(title="Video lessons do not play", actor=agent,
                                  components=["LMS · video"], groups=["WEB102-HN"], owner=agent)


def page_of(client, incident, status=200):
    response = client.get(f"/desk/incidents/{incident.pk}/")
    assert response.status_code == status
    return response.content.decode()


def _state():
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in (
        Incident, IncidentUpdate, IncidentEvent, FollowUp, IncidentCandidate, Ticket)} | {
        "messages": Message.objects.count()}


@contextmanager
def changes_nothing():
    """No incident, update, event, follow-up, candidate, ticket or message changes."""
    before = _state()
    yield
    assert _state() == before


# Who may use the pages

def test_the_incident_page_is_where_the_notices_link(incident):
    assert incident_link(incident).endswith(reverse("web:incident", args=[incident.pk]))


@pytest.mark.parametrize("path", ["/desk/incidents/", "INCIDENT", "POSTMORTEM", "PDF"])
def test_a_requester_cannot_open_the_incident_pages(requester, incident, path):
    path = {"INCIDENT": f"/desk/incidents/{incident.pk}/",
            "POSTMORTEM": f"/desk/incidents/{incident.pk}/postmortem/",
            "PDF": f"/desk/incidents/{incident.pk}/postmortem.pdf"}.get(path, path)
    assert client_for(requester).get(path).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, incident):
    response = client.get(f"/desk/incidents/{incident.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_requester_cannot_post_an_update_or_link_from_the_queue(requester, incident, report):
    ticket = report(1)
    with changes_nothing():
        assert client_for(requester).post(f"/desk/incidents/{incident.pk}/updates", {
            "body": "hello", "visibility": "public"}).status_code == 403
        assert client_for(requester).post("/desk/link-to-incident", {
            "incident": incident.pk, "ticket": [ticket.pk]}).status_code == 403


def test_a_form_without_its_csrf_token_is_refused(agent, incident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    with changes_nothing():
        response = client.post(f"/desk/incidents/{incident.pk}/updates",
                               {"body": "hello", "visibility": "internal"})
    assert response.status_code == 403


def test_an_unknown_incident_is_404(desk):
    assert desk.get("/desk/incidents/999999/").status_code == 404


# The list and opening an incident

def test_the_list_shows_active_incidents_before_the_recently_resolved(desk, agent, incident,
                                                                     report):
    done = workflow.open_incident(title="Login page slow", actor=agent)
    workflow.resolve_incident(incident=done, actor=agent, resolution="Cache warmed.")
    workflow.link_tickets(incident=incident, actor=agent, tickets=[report(1, users=3)])
    body = desk.get("/desk/incidents/").content.decode()
    assert body.index(incident.title) < body.index("Login page slow")
    row = body[body.index(incident.ref):body.index("</tr>", body.index(incident.ref))]
    assert "Investigating" in row and "Priority" in row and "Nguyen Ngoc Lan" in row
    assert f"?incident={incident.pk}\">1</a>" in row  # its tickets, in the queue


def test_an_agent_opens_an_incident_by_hand(desk, agent):
    response = desk.post("/desk/incidents/new", {
        "title": "Exam submission fails", "cos": "expedite",
        "components": "LMS · exams, LMS · quizzes", "groups": "WEB102-HN, DATA101-SG"})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/incidents/{incident.pk}/"
    assert (incident.title, incident.cos, incident.owner, incident.groups) == (
        "Exam submission fails", "expedite", agent, ["WEB102-HN", "DATA101-SG"])
    assert sorted(c.name for c in incident.components.all()) == ["LMS · exams", "LMS · quizzes"]
    assert "opened; you own it" in page_of(desk, incident)


def test_an_incident_without_a_title_is_refused_and_nothing_is_stored(desk):
    with changes_nothing():
        response = desk.post("/desk/incidents/new", {"title": "  ", "cos": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode() \
        or "needs a title" in response.content.decode()


def test_an_incident_opened_from_a_ticket_links_it(desk, report):
    ticket = report(1, users=12)
    response = desk.post("/desk/incidents/new", {"title": "Video does not play",
                                                 "from_ticket": ticket.pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    incident = Incident.objects.get()
    assert ticket.incident == incident and incident.from_ticket == ticket
    assert incident.affected_users == 12
    body = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f'href="/desk/incidents/{incident.pk}/"' in body and "Open incident from" not in body


def test_opening_from_a_ticket_that_does_not_exist_stores_nothing(desk):
    with changes_nothing():
        response = desk.post("/desk/incidents/new", {"title": "X", "from_ticket": 987654})
    assert response.status_code == 400 and "No ticket 987654" in response.content.decode()


# The incident page

def test_the_page_shows_linked_tickets_with_their_requesters_state(desk, agent, incident,
                                                                   report, run_tasks,
                                                                   django_capture_on_commit_callbacks):
    first, second = report(1), report(2)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.post_update(incident=incident, actor=agent, body="We are looking at it.")
        workflow.link_tickets(incident=incident, actor=agent, tickets=[first, second])
    run_tasks()
    body = page_of(desk, incident)
    linked = body[body.index('class="tickets linked"'):body.index("</table>",
                                                                   body.index("tickets linked"))]
    assert first.ref in linked and "Student 1" in linked and "Student 2" in linked
    assert "not yet" not in linked and "last reply" in linked  # the update answered both
    assert "2 linked tickets" in body


def test_public_updates_and_internal_notes_are_marked_apart(desk, agent, incident):
    workflow.post_update(incident=incident, actor=agent, body="Fix is rolling out.",
                         body_vi="Đang triển khai bản sửa.")
    workflow.post_update(incident=incident, actor=agent, body="CDN vendor blames us.",
                         public=False)
    body = page_of(desk, incident)
    updates = body[body.index('id="updates-h"'):body.index('id="events-h"')]
    public = updates[updates.index("entry-reply"):]
    note = updates[updates.index("entry-note"):]
    assert "Public update" in public[:200] and "Đang triển khai" in public
    assert "Internal note" in note[:200] and "CDN vendor blames us." in note[:600]
    assert "Opened by hand." in body  # the timeline of its events


def test_a_public_update_sent_to_all_answers_every_open_linked_requester(
        desk, agent, incident, report, run_tasks, django_capture_on_commit_callbacks):
    tickets = [report(1), report(2, language="vi")]
    workflow.link_tickets(incident=incident, actor=agent, tickets=tickets)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(f"/desk/incidents/{incident.pk}/updates", {
            "status": "identified", "body": "The CDN certificate expired.",
            "body_vi": "Chứng chỉ CDN đã hết hạn.", "visibility": "public", "notify": "on"})
    assert response.status_code == 302
    run_tasks()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IDENTIFIED
    for ticket, text in zip(tickets, ("certificate expired", "Chứng chỉ CDN"), strict=True):
        replies = ticket.messages.filter(kind=MessageKind.REPLY, template="incident_update")
        assert any(text in m.body for m in replies), ticket.ref


def test_an_update_not_sent_to_requesters_replies_to_nobody(
        desk, agent, incident, report, run_tasks, django_capture_on_commit_callbacks):
    ticket = report(1)
    workflow.link_tickets(incident=incident, actor=agent, tickets=[ticket])
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(f"/desk/incidents/{incident.pk}/updates",
                  {"body": "Status page only.", "visibility": "public"})
    run_tasks()
    assert IncidentUpdate.objects.get(body="Status page only.").public
    assert not ticket.messages.filter(body__contains="Status page only.").exists()


def test_an_internal_note_reaches_no_requester(desk, agent, incident, report, run_tasks,
                                               django_capture_on_commit_callbacks):
    ticket = report(1)
    workflow.link_tickets(incident=incident, actor=agent, tickets=[ticket])
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(f"/desk/incidents/{incident.pk}/updates", {
            "body": "Suspect the vendor.", "visibility": "internal", "notify": "on"})
    assert response.status_code == 302
    run_tasks()
    assert not IncidentUpdate.objects.get(body="Suspect the vendor.").public
    assert not Message.objects.filter(body__contains="Suspect the vendor.").exists()


@pytest.mark.parametrize("form", [
    {"body": "", "visibility": "public"},
    {"body": "x", "visibility": "nobody"},
    {"body": "x", "visibility": "internal", "status": "identified"},
    {"body": "x", "visibility": "public", "status": "resolved"},
])
def test_a_bad_update_is_refused_and_changes_nothing(desk, incident, form):
    with changes_nothing():
        response = desk.post(f"/desk/incidents/{incident.pk}/updates", form)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()


def test_resolving_resolves_every_open_linked_ticket_and_tells_their_requesters(
        desk, agent, incident, report, run_tasks, django_capture_on_commit_callbacks):
    tickets = [report(1), report(2)]
    workflow.link_tickets(incident=incident, actor=agent, tickets=tickets)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(f"/desk/incidents/{incident.pk}/resolve", {
            "resolution": "Certificate renewed.", "resolution_vi": "Đã gia hạn chứng chỉ.",
            "root_cause": "Expired CDN certificate", "notify": "on"})
    assert response.status_code == 302
    run_tasks()
    incident.refresh_from_db()
    assert (incident.status, incident.root_cause) == ("resolved", "Expired CDN certificate")
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.stage == Stage.RESOLVED
        assert ticket.messages.filter(template="incident_resolution").exists()
    body = page_of(desk, incident)
    assert "Check again that it works" in body and 'id="resolve-h"' not in body


def test_a_resolution_without_its_text_is_refused(desk, incident):
    with changes_nothing():
        response = desk.post(f"/desk/incidents/{incident.pk}/resolve", {"resolution": ""})
    assert response.status_code == 400


def test_resolving_twice_is_refused_with_the_reason(desk, agent, incident):
    workflow.resolve_incident(incident=incident, actor=agent, resolution="Done.")
    with changes_nothing():
        response = desk.post(f"/desk/incidents/{incident.pk}/resolve", {"resolution": "Again"})
    assert response.status_code == 400 and "resolved already" in response.content.decode()


def change(incident, **fields):
    """The change form as the page fills it, with `fields` changed."""
    return {"title": incident.title, "owner": incident.owner_id or "",
            "status": incident.status, "cos": incident.cos, "version": incident.version,
            "components": ", ".join(c.name for c in incident.components.all()),
            "groups": ", ".join(incident.groups), **fields}


def test_the_owner_status_and_class_change_with_a_reason(desk, agent, manager, incident):
    response = desk.post(f"/desk/incidents/{incident.pk}/change", change(
        incident, owner=manager.pk, status="monitoring", cos="expedite",
        cos_reason="Final exams tomorrow"))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.owner, incident.status, incident.cos) == (manager, "monitoring",
                                                               "expedite")
    assert "Final exams tomorrow" in incident.cos_rationale
    assert [c.name for c in incident.components.all()] == ["LMS · video"]  # as it was
    changed = IncidentEvent.objects.filter(incident=incident, kind="changed").get()
    assert changed.data["fields"] == ["owner", "cos"]


def test_the_title_components_and_groups_change(desk, incident):
    response = desk.post(f"/desk/incidents/{incident.pk}/change", change(
        incident, title="Videos and quizzes fail", components="LMS · video, LMS · quizzes",
        groups="WEB102-HN, DATA101-SG"))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.title == "Videos and quizzes fail"
    assert sorted(c.name for c in incident.components.all()) == ["LMS · quizzes",
                                                                 "LMS · video"]
    assert incident.groups == ["WEB102-HN", "DATA101-SG"]


def test_a_class_changed_without_a_reason_is_refused(desk, incident):
    with changes_nothing():
        response = desk.post(f"/desk/incidents/{incident.pk}/change",
                             change(incident, cos="expedite"))
    assert response.status_code == 400 and "Say why" in response.content.decode()


def test_a_change_made_on_a_stale_page_is_refused(desk, agent, incident):
    stale = incident.version
    workflow.change_incident(incident=incident, actor=agent, status="identified")
    with changes_nothing():
        response = desk.post(f"/desk/incidents/{incident.pk}/change",
                             change(incident, status="monitoring", version=stale))
    assert response.status_code == 400 and "reload it" in response.content.decode()


def test_tickets_are_linked_by_number_and_unlinked(desk, incident, report):
    first, second = report(1), report(2)
    response = desk.post(f"/desk/incidents/{incident.pk}/tickets",
                         {"tickets": f"{first.ref}, {second.pk}"})
    assert response.status_code == 302
    assert set(incident.tickets.all()) == {first, second}
    response = desk.post(f"/desk/incidents/{incident.pk}/tickets/{first.pk}/unlink")
    assert response.status_code == 302
    assert list(incident.tickets.all()) == [second]
    assert "unlinked from" in page_of(desk, incident)


@pytest.mark.parametrize("numbers", ["", "abc", "42 987654"])
def test_bad_ticket_numbers_link_nothing(desk, incident, report, numbers):
    numbers = numbers.replace("42", str(report(1).pk))
    with changes_nothing():
        response = desk.post(f"/desk/incidents/{incident.pk}/tickets", {"tickets": numbers})
    assert response.status_code == 400 and 'class="errorlist' in response.content.decode()


def test_unlinking_a_ticket_that_is_not_linked_says_so(desk, incident, report):
    ticket = report(1)
    with changes_nothing():
        response = desk.post(f"/desk/incidents/{incident.pk}/tickets/{ticket.pk}/unlink",
                             follow=True)
    assert "is not linked to" in response.content.decode()


def test_a_follow_up_is_marked_done_once(desk, agent, incident):
    workflow.resolve_incident(incident=incident, actor=agent, resolution="Done.")
    follow_up = incident.follow_ups.first()
    url = f"/desk/incidents/{incident.pk}/follow-ups/{follow_up.pk}/done"
    assert desk.post(url).status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None
    assert IncidentEvent.objects.filter(incident=incident, kind="follow_up_done").count() == 1
    with changes_nothing():
        response = desk.post(url, follow=True)
    assert "is done already" in response.content.decode()


def test_the_postmortem_reads_as_text_and_downloads_as_markdown_and_pdf(desk, agent,
                                                                       incident):
    workflow.resolve_incident(incident=incident, actor=agent, resolution="Renewed it.")
    body = desk.get(f"/desk/incidents/{incident.pk}/postmortem/").content.decode()
    assert "Root cause" in body and "Renewed it." in body
    markdown = desk.get(f"/desk/incidents/{incident.pk}/postmortem.md")
    assert markdown["Content-Disposition"].startswith("attachment;")
    assert f"opsdesk-postmortem-{incident.ref}.md" in markdown["Content-Disposition"]
    assert "Renewed it." in markdown.content.decode()
    pdf = desk.get(f"/desk/incidents/{incident.pk}/postmortem.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert desk.get(f"/desk/incidents/{incident.pk}/postmortem.exe").status_code == 404


# The ticket page and the queue

def test_a_ticket_shows_its_candidate_incidents_and_links_in_one_click(desk, incident, report):
    ticket = report(1)
    IncidentCandidate.objects.create(ticket=ticket, incident=incident, score=0.62)
    body = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f"Looks like {incident.ref} (62 % alike)" in body
    assert f"Link to {incident.ref}" in body
    response = desk.post(f"/desk/tickets/{ticket.pk}/incident", {"incident": incident.pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.incident == incident
    assert not IncidentCandidate.objects.filter(ticket=ticket).exists()


def test_linking_a_ticket_to_a_resolved_incident_from_its_page_is_refused(desk, agent,
                                                                          incident, report):
    ticket = report(1)
    workflow.resolve_incident(incident=incident, actor=agent, resolution="Done.")
    with changes_nothing():
        response = desk.post(f"/desk/tickets/{ticket.pk}/incident", {"incident": incident.pk},
                             follow=True)
    assert "Choose an active incident" in response.content.decode()


def test_the_queue_links_ticked_tickets_and_shows_badges_and_hints(desk, incident, report):
    first, second, third = report(1), report(2), report(3)
    IncidentCandidate.objects.create(ticket=third, incident=incident, score=0.5)
    response = desk.post("/desk/link-to-incident", {
        "incident": incident.pk, "ticket": [first.pk, second.pk], "next": "/desk/?stage=new"})
    assert response.status_code == 302 and response["Location"] == "/desk/?stage=new"
    assert set(incident.tickets.all()) == {first, second}
    body = desk.get("/desk/").content.decode()
    assert body.count(f'class="badge inc-investigating" href="/desk/incidents/{incident.pk}/"') == 2
    assert f"looks like {incident.ref}" in body
    only = desk.get(f"/desk/?incident={incident.pk}").content.decode()
    assert first.title in only and second.title in only and third.title not in only


@pytest.mark.parametrize("form", [{"ticket": ["TICKETS"]}, {"incident": "INCIDENT"},
                                  {"incident": "INCIDENT", "ticket": ["987654"]}])
def test_a_queue_link_without_tickets_or_an_incident_links_nothing(desk, incident, report,
                                                                  form):
    ticket = report(1)
    form = {k: ([str(ticket.pk)] if v == ["TICKETS"] else incident.pk if v == "INCIDENT"
                else v) for k, v in form.items()}
    with changes_nothing():
        response = desk.post("/desk/link-to-incident", {**form, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/desk/"


def test_a_ticket_is_merged_into_another_from_its_page(desk, report):
    ticket, into = report(1), report(2)
    response = desk.post(f"/desk/tickets/{ticket.pk}/merge", {"into": into.ref})
    assert response.status_code == 302 and response["Location"] == f"/desk/tickets/{into.pk}/"
    ticket.refresh_from_db()
    assert (ticket.merged_into, ticket.stage) == (into, Stage.CANCELLED)


def test_merging_a_ticket_into_itself_is_refused(desk, report):
    ticket = report(1)
    with changes_nothing():
        response = desk.post(f"/desk/tickets/{ticket.pk}/merge", {"into": ticket.pk},
                             follow=True)
    assert "cannot be merged into itself" in response.content.decode()


def test_a_requesters_message_is_split_off_into_a_new_ticket(desk, report):
    from opsdesk.workflows.messages import add_message

    ticket = report(1)
    asked = add_message(ticket=ticket, actor=ticket.requester, kind=MessageKind.REPLY,
                        body="Also: my quiz grade is missing\nIt was 9/10.")
    body = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Also: my quiz grade is missing" in body[body.index('id="merge-h"'):]
    response = desk.post(f"/desk/tickets/{ticket.pk}/split", {"message": asked.pk})
    new = Ticket.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/desk/tickets/{new.pk}/"
    assert (new.title, new.requester) == ("Also: my quiz grade is missing", ticket.requester)


def test_splitting_off_a_note_is_refused(desk, agent, report):
    from opsdesk.workflows.messages import add_message

    ticket = report(1)
    note = add_message(ticket=ticket, actor=agent, kind=MessageKind.NOTE, body="inside")
    with changes_nothing():
        response = desk.post(f"/desk/tickets/{ticket.pk}/split", {"message": note.pk},
                             follow=True)
    assert "Only a requester" in response.content.decode()


def test_the_incident_pages_speak_vietnamese(desk, incident, report):
    ticket = report(1)
    desk.post("/i18n/setlang/", {"language": "vi", "next": "/desk/incidents/"})
    listing = desk.get("/desk/incidents/").content.decode()
    assert "Mở sự cố" in listing and "Đang điều tra" in listing
    body = page_of(desk, incident)
    assert "Đăng cập nhật" in body and "Ghi chú nội bộ" in body
    assert "Gửi cho mọi người yêu cầu đã liên kết" in body
    assert "Mở sự cố từ yêu cầu này" in desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Liên kết với sự cố" in desk.get("/desk/").content.decode()


def test_the_queue_takes_an_incident_reference_as_its_filter(desk, agent, incident, report):
    linked, other = report(1), report(2)
    workflow.link_tickets(incident=incident, actor=agent, tickets=[linked])
    body = desk.get(f"/desk/?incident={incident.ref}").content.decode()
    assert linked.title in body and other.title not in body
    assert f"Tickets linked to incident {incident.ref}" in body
    refused = desk.get("/desk/?incident=soon")
    assert "incident is an incident" in refused.content.decode()
