"""The public rating page behind the signed link in the rating request."""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from opsdesk.core.errors import Conflict, NotFound
from opsdesk.tickets.models import Ticket

from . import ratings


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Your rating"), coerce=int,
                                   choices=[(n, str(n)) for n in range(5, 0, -1)],
                                   widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))


def rate_ticket(request: HttpRequest, token: str) -> HttpResponse:
    """Show the rating form for a ticket, or record the rating."""
    try:
        ticket = ratings.ticket_for_token(token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    with translation.override(ticket.language):
        return _rating_page(request, ticket)


def _rating_page(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = RatingForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            ratings.rate(ticket=ticket, score=form.cleaned_data["score"],
                         comment=form.cleaned_data["comment"])
        except Conflict as exc:
            error = exc.message
        else:
            return render(request, "communications/rated.html", {"ticket": ticket})
    status = 400 if request.method == "POST" else 200
    return render(request, "communications/rate.html",
                  {"ticket": ticket, "form": form, "error": error}, status=status)
