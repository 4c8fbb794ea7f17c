"""Tickets created together (`create_tickets`, as an email batch does) end up exactly as
tickets created one by one: classified, clocked, indexed, each other's duplicates."""

import pytest

from opsdesk.duplicates.models import DuplicateCandidate, IndexedTerm
from opsdesk.sla.models import SlaClock, SlaEvent
from opsdesk.tickets import signals
from opsdesk.tickets.models import Message, Ticket
from opsdesk.tickets.services import Impact, TicketDraft, create_ticket, create_tickets

pytestmark = pytest.mark.django_db

OUTAGE = ("Exam submission fails for WEB102-HN",
          "Students cannot submit their final exam: System error - please contact administrator.")
OUTAGE_VI = ("Không nộp được bài thi cuối kỳ - lớp WEB102-HN",
             "Học sinh lớp WEB102-HN không nộp được bài thi cuối kỳ, hệ thống báo System error.")
OTHER = ("Quên mật khẩu", "Em quên mật khẩu tài khoản LMS.")
EXPEDITE = Impact(groups=[("WEB102-HN", 30)], critical_function=True, failure_rate=1.0)


def drafts(requester):
    return [TicketDraft(requester=requester, title=title, description=body, channel="email",
                        impact=EXPEDITE if n == 0 else None, tags=["exam"] if n == 0 else ())
            for n, (title, body) in enumerate((OUTAGE, OUTAGE_VI, OTHER))]


def outcome(tickets):
    """What creation left behind, per ticket in creation order, ids left out."""
    order = {t.pk: n for n, t in enumerate(tickets)}
    return [{
        "cos": t.cos, "rationale": t.cos_rationale, "priority": t.priority,
        "tags": sorted(t.tags.values_list("name", flat=True)),
        "groups": sorted(t.impact_groups.values_list("name", flat=True)),
        "checks": list(t.checks.values_list("label", flat=True)),
        "events": [(event, body.replace(t.ref, "#ref")) for event, body in
                   Message.objects.filter(ticket=t).values_list("event", "body")],
        "clocks": sorted(SlaClock.objects.filter(ticket=t).values_list("target", "status")),
        "clock_events": sorted(SlaEvent.objects.filter(ticket=t).values_list("target", "kind")),
        "terms": IndexedTerm.objects.filter(ticket=t).count(),
        "duplicates": sorted((order[c.candidate_id], c.score) for c in
                             DuplicateCandidate.objects.filter(ticket=t)),
    } for t in tickets]


def test_tickets_created_together_are_as_tickets_created_one_by_one(agent, requester):
    one_by_one = [create_ticket(actor=agent, requester=d.requester, title=d.title,
                                description=d.description, channel=d.channel, impact=d.impact,
                                tags=d.tags) for d in drafts(requester)]
    expected = outcome(one_by_one)
    Ticket.objects.all().delete()

    together = create_tickets(actor=agent, drafts=drafts(requester))

    assert [t.ref for t in together] == [f"#{t.pk:05d}" for t in together]
    assert outcome(together) == expected
    assert expected[0]["cos"] == "expedite" and expected[1]["duplicates"] == [(0, pytest.approx(
        expected[1]["duplicates"][0][1]))]  # the Vietnamese report found the English one
    assert expected[0]["duplicates"] and not expected[2]["duplicates"]


def test_one_signal_tells_of_every_ticket_created_together(agent, requester):
    heard = []

    def listen(sender, created, actor, **kwargs):
        heard.append(([(new.ticket.title, new.tags, new.groups) for new in created], actor))

    signals.tickets_created.connect(listen, dispatch_uid="test.listen")
    try:
        create_tickets(actor=agent, drafts=drafts(requester))
    finally:
        signals.tickets_created.disconnect(dispatch_uid="test.listen")
    assert heard == [([(OUTAGE[0], ["exam"], ["WEB102-HN"]), (OUTAGE_VI[0], [], []),
                       (OTHER[0], [], [])], agent)]


def test_one_invalid_draft_creates_none_of_them(agent, requester):
    bad = [*drafts(requester), TicketDraft(requester=requester, title="  ")]
    with pytest.raises(Exception, match="title"):
        create_tickets(actor=agent, drafts=bad)
    assert not Ticket.objects.exists() and not Message.objects.exists()
