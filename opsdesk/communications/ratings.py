"""Ratings: a signed link per closed ticket lets the requester rate without signing in."""

from django.core import signing
from django.db import IntegrityError, transaction

from opsdesk.accounts.services import system_user
from opsdesk.core.errors import Conflict, InvalidInput, NotFound
from opsdesk.tickets.models import Stage, Ticket
from opsdesk.tickets.services import record_event

from .models import Rating

SALT = "opsdesk.rating"
MAX_AGE_SECONDS = 60 * 60 * 24 * 60  # links work for 60 days


def rating_token(ticket: Ticket) -> str:
    """The signed token in a ticket's rating link."""
    return signing.dumps({"t": ticket.pk}, salt=SALT, compress=True)


def ticket_for_token(token: str) -> Ticket:
    """The ticket a rating link is for; a forged or expired link is refused."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature as exc:
        raise NotFound("This rating link is not valid or has expired.") from exc
    ticket = Ticket.objects.filter(pk=data.get("t")).first()
    if ticket is None:
        raise NotFound("This rating link is not valid.")
    return ticket


def rate(*, ticket: Ticket, score: int, comment: str = "") -> Rating:
    """Record the requester's rating (once) on a resolved or closed ticket."""
    if not 1 <= score <= 5:
        raise InvalidInput("A rating is 1 to 5.", fields={"score": "1 to 5"})
    if ticket.stage not in (Stage.RESOLVED, Stage.CLOSED):
        raise Conflict("A ticket can be rated once it is resolved.", fields={"stage": "open"})
    try:
        with transaction.atomic():
            rating = Rating.objects.create(ticket=ticket, score=score, comment=comment.strip())
            record_event(ticket=ticket, actor=system_user(), event="rated",
                         body=f"Rated {score}/5 by the requester.",
                         data={"score": score, "comment": comment.strip()})
    except IntegrityError as exc:
        raise Conflict("This ticket has already been rated.", fields={"score": "already rated"}) \
            from exc
    return rating
