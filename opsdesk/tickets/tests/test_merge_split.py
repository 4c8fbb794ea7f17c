"""Merging a duplicate into the ticket it repeats, and splitting a second request off a
ticket, over the REST API: what moves, what points where, and what is refused."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from opsdesk.accounts.services import create_user
from opsdesk.duplicates.models import IndexedTerm
from opsdesk.sla.models import ClockStatus, SlaClock
from opsdesk.tickets.models import Attachment, Message, Stage, Ticket
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

pytestmark = pytest.mark.django_db

NOTE = "Internal: the video CDN key expired, Minh renews it"
T0 = timezone.now() - timedelta(hours=3)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def merge_url(ticket):
    return f"/api/v1/tickets/{ticket.pk}/merge"


def split_url(ticket):
    return f"/api/v1/tickets/{ticket.pk}/split"


def open_at(minutes, *, requester, title, agent, tags=()):
    return ticket_workflow.open_ticket(actor=agent, at=at(minutes), draft=TicketDraft(
        requester=requester, title=title, tags=tags))


def attach(ticket, message, name):
    attachment = Attachment(ticket=ticket, message=message, filename=name, size=4)
    attachment.file.save(name, SimpleUploadedFile(name, b"data"), save=True)
    return attachment


@pytest.fixture
def target(agent, requester):
    """The first report of the problem."""
    ticket = open_at(0, requester=requester, title="Videos do not play in WEB102", agent=agent)
    message_workflow.add_message(ticket=ticket, actor=agent, kind="reply", at=at(10),
                                 body="We are looking into the videos.")
    return ticket


@pytest.fixture
def duplicate(agent, other_requester):
    """The same problem, reported again by someone else, with a note, replies, a file, a
    follower and a tag."""
    ticket = open_at(5, requester=other_requester, title="WEB102 video will not start",
                     agent=agent, tags=["video"])
    message_workflow.add_message(ticket=ticket, actor=agent, kind="note", body=NOTE, at=at(7))
    reply = message_workflow.add_message(ticket=ticket, actor=other_requester, kind="reply",
                                         body="Screenshot attached.", at=at(12))
    attach(ticket, reply, "screen.png")
    ticket.followers.add(create_user(email="coordinator@campus.example.edu.vn",
                                     role="requester"))
    return ticket


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def bodies(ticket):
    return list(Message.objects.filter(ticket=ticket).values_list("body", flat=True))


def test_merging_moves_the_timeline_onto_the_target_in_time_order(api, agent, target,
                                                                    duplicate):
    response = api.as_(agent).post(merge_url(duplicate), {"into": target.pk})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == target.pk
    timeline = list(Message.objects.filter(ticket=target).order_by("created_at", "id"))
    moved = [m.body for m in timeline if m.created_at < at(60)]
    assert moved == [f"Ticket {target.ref} created (API).",
                     f"Ticket {duplicate.ref} created (API).", NOTE,
                     "We are looking into the videos.", "Screenshot attached."]
    assert Message.objects.get(body=NOTE).kind == "note"  # a note stays a note


def test_merging_moves_files_followers_and_tags(api, agent, requester, other_requester, target,
                                                duplicate):
    api.as_(agent).post(merge_url(duplicate), {"into": target.pk})
    target, duplicate = fresh(target), fresh(duplicate)
    assert Attachment.objects.get(filename="screen.png").ticket_id == target.pk
    followers = {u.email for u in target.followers.all()}
    assert followers == {other_requester.email, "coordinator@campus.example.edu.vn"}
    assert not duplicate.followers.exists()
    assert [t.name for t in target.tags.all()] == ["video"]


def test_the_merged_ticket_points_to_its_target_and_both_say_so(api, agent, target, duplicate):
    client = api.as_(agent)
    client.post(merge_url(duplicate), {"into": target.pk})
    merged = client.get(f"/api/v1/tickets/{duplicate.pk}").json()
    assert (merged["merged_into_id"], merged["stage"]) == (target.pk, "cancelled")
    assert client.get(f"/api/v1/tickets/{target.pk}").json()["merged_into_id"] is None
    assert f"Merged into {target.ref}." in bodies(duplicate)
    assert f"{duplicate.ref} merged into this ticket." in bodies(target)
    [stage] = Message.objects.filter(ticket=duplicate, event="stage_changed")
    assert stage.data["reason"] == f"Merged into {target.ref}"


def test_the_merged_tickets_clocks_stop_and_it_leaves_the_duplicate_index(api, agent, target,
                                                                          duplicate):
    assert IndexedTerm.objects.filter(ticket_id=duplicate.pk).exists()
    api.as_(agent).post(merge_url(duplicate), {"into": target.pk})
    statuses = set(SlaClock.objects.filter(ticket=duplicate).values_list("status", flat=True))
    assert statuses and statuses <= {ClockStatus.CANCELLED, ClockStatus.MET,
                                     ClockStatus.BREACHED}
    assert not IndexedTerm.objects.filter(ticket_id=duplicate.pk).exists()
    assert IndexedTerm.objects.filter(ticket_id=target.pk).exists()


def test_another_requesters_entries_stay_off_the_targets_portal(api, agent, requester, target,
                                                                 duplicate):
    api.as_(agent).post(merge_url(duplicate), {"into": target.pk})
    seen = [m["body"] for m in api.as_(requester).get(
        f"/api/v1/tickets/{target.pk}/messages").json()["items"]]
    assert seen == [f"Ticket {target.ref} created (API).", "We are looking into the videos."]
    assert "Screenshot attached." in bodies(target)  # the desk still sees it


def test_the_same_requesters_replies_stay_on_their_portal(api, agent, requester, target):
    again = open_at(20, requester=requester, title="Videos still broken", agent=agent)
    message_workflow.add_message(ticket=again, actor=requester, kind="reply", at=at(21),
                                 body="Also in WEB103.")
    api.as_(agent).post(merge_url(again), {"into": target.pk})
    seen = [m["body"] for m in api.as_(requester).get(
        f"/api/v1/tickets/{target.pk}/messages").json()["items"]]
    assert "Also in WEB103." in seen


def test_the_version_guards_a_merge(api, agent, target, duplicate):
    stale = api.as_(agent).post(merge_url(duplicate),
                                {"into": target.pk, "version": duplicate.version + 1})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    ok = api.as_(agent).post(merge_url(duplicate), {"into": target.pk,
                                                    "version": duplicate.version})
    assert ok.status_code == 200, ok.content


def snapshot(*tickets):
    """Everything a refused merge or split must leave as it was."""
    return [(t.pk, *Ticket.objects.filter(pk=t.pk).values_list(
        "stage", "merged_into", "version").get(), sorted(bodies(t)),
        sorted(fresh(t).followers.values_list("pk", flat=True)),
        sorted(Attachment.objects.filter(ticket=t).values_list("pk", flat=True)))
        for t in tickets] + [Ticket.objects.count()]


def finished(agent, ticket, stage):
    if stage == Stage.CLOSED:
        from opsdesk.tickets.stages import CloseSummary

        ticket_workflow.change_stage(ticket=ticket, actor=agent, to=Stage.RESOLVED)
        return ticket_workflow.change_stage(
            ticket=ticket, actor=agent, to=Stage.CLOSED,
            summary=CloseSummary(root_cause="CDN key", resolution="Renewed"))
    return ticket_workflow.change_stage(ticket=ticket, actor=agent, to=stage)


@pytest.mark.parametrize(("case", "status", "code"), [
    ("itself", 422, "invalid"),
    ("unknown", 404, "not_found"),
    ("into_merged", 409, "conflict"),
    ("into_closed", 409, "conflict"),
    ("into_cancelled", 409, "conflict"),
    ("already_merged", 409, "conflict"),
    ("resolved", 409, "conflict"),
])
def test_a_refused_merge_changes_nothing(api, agent, requester, target, duplicate, case, status,
                                         code):
    third = open_at(30, requester=requester, title="Video issue", agent=agent)
    ticket, into = duplicate, target.pk
    if case == "itself":
        into = duplicate.pk
    elif case == "unknown":
        into = 999999
    elif case == "into_merged":
        api.as_(agent).post(merge_url(target), {"into": third.pk})
    elif case == "into_closed":
        finished(agent, target, Stage.CLOSED)
    elif case == "into_cancelled":
        finished(agent, target, Stage.CANCELLED)
    elif case == "already_merged":
        api.as_(agent).post(merge_url(duplicate), {"into": third.pk})
    elif case == "resolved":
        finished(agent, duplicate, Stage.RESOLVED)
    before = snapshot(ticket, target, third)
    response = api.as_(agent).post(merge_url(ticket), {"into": into})
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), \
        response.content
    assert snapshot(ticket, target, third) == before


def test_requesters_cannot_merge(api, requester, other_requester, target, duplicate):
    before = snapshot(duplicate, target)
    own = api.as_(requester).post(merge_url(target), {"into": duplicate.pk})
    others = api.as_(requester).post(merge_url(duplicate), {"into": target.pk})
    assert (own.status_code, others.status_code) == (403, 404)
    assert snapshot(duplicate, target) == before


# Split ------------------------------------------------------------------------------------


@pytest.fixture
def two_requests(agent, requester, other_requester):
    """A ticket where a second person's reply is a request of its own, with a file."""
    ticket = open_at(0, requester=requester, title="Quiz timer wrong", agent=agent)
    reply = message_workflow.add_message(
        ticket=ticket, actor=other_requester, kind="reply", at=at(15),
        body="Gradebook export is empty\nThe CSV for DATA101-SG has headers only.")
    attach(ticket, reply, "export.csv")
    return ticket, reply


def test_splitting_opens_a_ticket_for_the_message(api, agent, other_requester, two_requests):
    ticket, reply = two_requests
    response = api.as_(agent).post(split_url(ticket), {"message_id": reply.pk})
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["title"] == "Gradebook export is empty"
    assert new["description"] == reply.body
    assert new["requester"]["email"] == other_requester.email
    assert {c["target"] for c in new["sla"]} >= {"ack", "resolve"}
    assert Message.objects.get(pk=reply.pk).ticket_id == new["id"]
    assert Attachment.objects.get(filename="export.csv").ticket_id == new["id"]


def test_both_tickets_name_each_other_after_a_split(api, agent, two_requests):
    ticket, reply = two_requests
    new = Ticket.objects.get(pk=api.as_(agent).post(
        split_url(ticket), {"message_id": reply.pk}).json()["id"])
    assert f"A message was split off into {new.ref}." in bodies(ticket)
    assert f"Split from {ticket.ref}." in bodies(new)
    assert reply.body not in bodies(ticket)


def test_the_requesters_own_reply_stays_theirs_and_a_long_first_line_is_cut(api, agent,
                                                                            requester):
    ticket = open_at(0, requester=requester, title="Two things", agent=agent)
    long_line = "Please also reset " + "the password of every student in WEB102 " * 5
    mine = message_workflow.add_message(ticket=ticket, actor=requester, kind="reply", at=at(3),
                                        body=f"\n  {long_line}\nthanks")
    new = api.as_(agent).post(split_url(ticket), {"message_id": mine.pk}).json()
    assert new["requester"]["email"] == requester.email
    assert len(new["title"]) == 120 and new["title"].endswith("…")


@pytest.mark.parametrize(("case", "status"), [
    ("note", 422), ("desk_reply", 422), ("event", 422), ("other_ticket", 422),
    ("unknown", 422), ("stale", 409), ("merged", 409),
])
def test_a_refused_split_changes_nothing(api, agent, requester, two_requests, case, status):
    ticket, reply = two_requests
    other = open_at(20, requester=requester, title="Elsewhere", agent=agent)
    message_id, body = reply.pk, {}
    if case == "note":
        message_id = message_workflow.add_message(ticket=ticket, actor=agent, kind="note",
                                                  body=NOTE).pk
    elif case == "desk_reply":
        message_id = message_workflow.add_message(ticket=ticket, actor=agent, kind="reply",
                                                  body="We check.").pk
    elif case == "event":
        message_id = Message.objects.get(ticket=ticket, event="created").pk
    elif case == "other_ticket":
        message_id = message_workflow.add_message(ticket=other, actor=requester, kind="reply",
                                                  body="Elsewhere too").pk
    elif case == "unknown":
        message_id = 999999
    elif case == "stale":
        body = {"version": Ticket.objects.get(pk=ticket.pk).version + 1}
    elif case == "merged":
        api.as_(agent).post(merge_url(ticket), {"into": other.pk})
    before = snapshot(ticket, other)
    response = api.as_(agent).post(split_url(ticket), {"message_id": message_id, **body})
    assert response.status_code == status, response.content
    assert snapshot(ticket, other) == before


def test_requesters_cannot_split(api, requester, two_requests):
    ticket, reply = two_requests
    before = snapshot(ticket)
    response = api.as_(requester).post(split_url(ticket), {"message_id": reply.pk})
    assert response.status_code == 403
    assert snapshot(ticket) == before
