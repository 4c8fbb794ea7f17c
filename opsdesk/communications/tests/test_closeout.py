"""Closing: the closure message, then a rating request whose link needs no login."""

import re

import pytest

from opsdesk.communications.models import Rating
from opsdesk.communications.ratings import rating_token, ticket_for_token
from opsdesk.tickets import stages
from opsdesk.tickets.models import Stage
from opsdesk.tickets.services import TicketDraft
from opsdesk.tickets.tests.refusals import assert_error
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow

SUMMARY = stages.CloseSummary(root_cause="Pool misconfigured", resolution="Rolled back")


@pytest.fixture
def resolved(agent, requester):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Exams fail"))
    return ticket_workflow.change_stage(ticket=ticket, actor=agent, to=Stage.RESOLVED)


def _close(ticket, agent):
    return ticket_workflow.change_stage(
        ticket=ticket, actor=agent, to=Stage.CLOSED, summary=SUMMARY)


def test_closing_sends_the_closure_and_then_the_rating_request(agent, resolved):
    _close(resolved, agent)
    replies = list(resolved.messages.filter(kind="reply").exclude(template="ack").order_by("id"))
    assert [m.template for m in replies] == ["closure", "rating_request"]
    assert "Cause: Pool misconfigured" in replies[0].body
    token = re.search(r"/rate/([^/\s]+)/", replies[1].body).group(1)
    assert ticket_for_token(token) == resolved


def test_a_closure_already_sent_by_the_agent_is_not_repeated(agent, resolved):
    message_workflow.add_message(ticket=resolved, actor=agent, kind="reply", body="Closing now.",
                         template="closure")
    _close(resolved, agent)
    templates = list(resolved.messages.filter(kind="reply").exclude(template="ack")
                     .order_by("id").values_list("template", flat=True))
    assert templates == ["closure", "rating_request"]


def test_the_rating_link_shows_a_form_and_records_the_rating(client, agent, resolved):
    url = f"/rate/{rating_token(resolved)}/"
    page = client.get(url)
    assert page.status_code == 200 and resolved.ref in page.content.decode()
    done = client.post(url, {"score": "5", "comment": "Nhanh lắm, cảm ơn!"})
    assert done.status_code == 200
    rating = Rating.objects.get(ticket=resolved)
    assert (rating.score, rating.comment) == (5, "Nhanh lắm, cảm ơn!")
    assert resolved.messages.filter(event="rated").exists()


def test_an_invalid_score_shows_the_error_next_to_the_field(client, resolved):
    page = client.post(f"/rate/{rating_token(resolved)}/", {"score": "9"})
    assert page.status_code == 400
    assert 'id="score-error"' in page.content.decode()
    assert not Rating.objects.exists()


def test_a_forged_rating_link_is_not_found(client, resolved):
    token = rating_token(resolved)
    assert client.get(f"/rate/{token[:-2]}xx/").status_code == 404


def test_a_ticket_is_rated_once(client, resolved):
    url = f"/rate/{rating_token(resolved)}/"
    client.post(url, {"score": "4"})
    again = client.post(url, {"score": "1"})
    assert again.status_code == 400
    assert Rating.objects.get(ticket=resolved).score == 4


def test_the_requester_rates_through_the_api_and_nobody_else_may(api, agent, requester,
                                                                 resolved):
    assert_error(api.as_(agent).post(f"/api/v1/tickets/{resolved.pk}/rating", {"score": 5}),
                 403, "forbidden")
    response = api.as_(requester).post(f"/api/v1/tickets/{resolved.pk}/rating",
                                       {"score": 4, "comment": "ok"})
    assert response.status_code == 201
    assert_error(api.as_(requester).post(f"/api/v1/tickets/{resolved.pk}/rating",
                                         {"score": 6}), 422, "invalid")


def test_an_open_ticket_cannot_be_rated(api, agent, requester):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Still open"))
    assert_error(api.as_(requester).post(f"/api/v1/tickets/{ticket.pk}/rating", {"score": 3}),
                 409, "conflict")
