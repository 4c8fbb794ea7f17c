"""Portal pages: the requester's tickets, a new ticket, one ticket with reply and rating.

Thin: forms validate, portal and ticket services change things; a refusal re-renders the
page with status 400, the error next to its field, and nothing stored.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opsdesk.accounts.models import Language, User
from opsdesk.communications import ratings
from opsdesk.communications.models import Rating
from opsdesk.core.errors import DomainError
from opsdesk.tickets.models import Stage, Ticket
from opsdesk.tickets.services import visible_messages

from . import services
from .access import requester, requester_required
from .forms import RatingForm, ReplyForm, TicketForm
from .wording import cos_in_plain_words, event_sentence

PAGE_SIZE = 20
RATEABLE = (Stage.RESOLVED, Stage.CLOSED)


def _own_ticket(request: HttpRequest, pk: int) -> Ticket:
    """The signed-in requester's ticket; anyone else's is not found."""
    user = requester(request)
    ticket = (Ticket.objects.visible_to(user).filter(pk=pk, requester=user)
              .prefetch_related("impact_groups").first())
    if ticket is None:
        raise Http404
    return ticket


@requester_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    """The requester's own tickets, newest first."""
    tickets = (Ticket.objects.filter(requester=requester(request)).order_by("-pk")
               .only("pk", "title", "stage", "waiting_reason", "updated_at"))
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/tickets.html", {"page": page})


def _language() -> str:
    language = (get_language() or "en")[:2]
    return language if language in Language.values else "en"


@requester_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    """Submit a ticket: title, description, reach, class and files."""
    form = TicketForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return render(request, "portal/new.html", {"form": form})
    if not form.is_valid():
        return render(request, "portal/new.html", {"form": form}, status=400)
    data = form.cleaned_data
    ticket = services.submit_ticket(
        requester=requester(request), title=data["title"],
        description=data["description"], affected_users=data["affected_users"],
        group=data["group"], files=data["attachments"], language=_language())
    messages.success(request, _("Ticket %(ref)s received. The desk answers here and by "
                                "email.") % {"ref": ticket.ref})
    return redirect("portal:ticket", ticket.pk)


def _timeline(ticket: Ticket, viewer: User) -> list[dict[str, Any]]:
    entries = visible_messages(ticket=ticket, viewer=viewer).prefetch_related("attachments")
    return [{"message": m, "kind": m.kind,
             "text": event_sentence(m) if m.kind == "event" else m.body,
             "mine": m.author_id == viewer.pk} for m in entries]


def _page(request: HttpRequest, ticket: Ticket, status: int = 200,
          **bound: forms.Form) -> HttpResponse:
    viewer = requester(request)
    rating = Rating.objects.filter(ticket=ticket).first()
    return render(request, "portal/ticket.html", {
        "ticket": ticket, "entries": _timeline(ticket, viewer),
        "cos_words": cos_in_plain_words(ticket.cos),
        "attachments": services.visible_attachments(ticket),
        "can_reply": ticket.stage not in services.NO_REPLY_STAGES,
        "can_rate": ticket.stage in RATEABLE and rating is None, "rating": rating,
        "reply_form": bound.get("reply_form", ReplyForm()),
        "rating_form": bound.get("rating_form", RatingForm()),
    }, status=status)


@requester_required
def ticket_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the requester's tickets: replies and public events, never a note."""
    return _page(request, _own_ticket(request, pk))


@requester_required
@require_POST
def post_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The requester replies on their ticket."""
    ticket = _own_ticket(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, ticket, status=400, reply_form=form)
    try:
        services.reply(ticket=ticket, requester=requester(request),
                       body=form.cleaned_data["body"], files=form.cleaned_data["attachments"])
    except DomainError:
        form.add_error("body", _("This ticket is closed: open a new ticket instead."))
        return _page(request, ticket, status=400, reply_form=form)
    messages.success(request, _("Reply sent to the desk."))
    return redirect("portal:ticket", ticket.pk)


@requester_required
@require_POST
def post_rating(request: HttpRequest, pk: int) -> HttpResponse:
    """The requester rates their resolved or closed ticket, once."""
    ticket = _own_ticket(request, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _page(request, ticket, status=400, rating_form=form)
    try:
        ratings.rate(ticket=ticket, score=form.cleaned_data["score"],
                     comment=form.cleaned_data["comment"])
    except DomainError:
        already = Rating.objects.filter(ticket=ticket).exists()
        form.add_error("score", _("You have already rated this ticket.") if already
                       else _("You can rate the ticket once it is resolved."))
        return _page(request, ticket, status=400, rating_form=form)
    messages.success(request, _("Thank you for your rating."))
    return redirect("portal:ticket", ticket.pk)


@requester_required
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """Download a file of the requester's ticket (never one kept inside the desk)."""
    ticket = _own_ticket(request, pk)
    item = services.visible_attachments(ticket).filter(pk=attachment_id).first()
    if item is None:
        raise Http404
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.filename,
                        content_type=item.content_type or "application/octet-stream")
