"""The public status page, its subscription links and the LMS banner script. Anyone may
see these pages: they show only what queries.py makes public."""

from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from opsdesk.incidents.models import Component

from . import services
from .forms import SubscribeForm
from .queries import HISTORY_DAYS, Day, PublicIncident, status_snapshot
from .wording import (
    component_status_label,
    incident_status_label,
    language_of,
    page_status_label,
)

BANNER_SCRIPT = Path(__file__).resolve().parent / "static" / "status" / "banner.js"


@require_safe
def status_page(request: HttpRequest) -> HttpResponse:
    """Components, active incidents, 90 days of history, the subscription form; `?lang=vi`
    switches the language (remembered, as the language menu does) and comes back here."""
    if "lang" in request.GET:
        return _switch_language(language_of(request.GET["lang"]))
    return _page(request, SubscribeForm())


def _switch_language(language: str) -> HttpResponse:
    response = redirect("status:page")
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language,
                        max_age=settings.LANGUAGE_COOKIE_AGE,
                        path=settings.LANGUAGE_COOKIE_PATH,
                        domain=settings.LANGUAGE_COOKIE_DOMAIN,
                        secure=settings.LANGUAGE_COOKIE_SECURE,
                        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                        samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response


def _page(request: HttpRequest, form: SubscribeForm, status: int = 200) -> HttpResponse:
    snapshot = status_snapshot()
    language = language_of(get_language())
    components = [{"name": c.name, "description": c.description, "status": c.status,
                   "label": component_status_label(c.status), **_strip(c.name, c.days)}
                  for c in snapshot.components]
    return render(request, "status/page.html", {
        "status": snapshot.status, "status_label": page_status_label(snapshot.status),
        "components": components,
        "incidents": [_incident(i, language) for i in snapshot.incidents],
        "history": [_incident(i, language) for i in snapshot.history],
        "history_days": HISTORY_DAYS, "updated_at": snapshot.updated_at, "form": form,
    }, status=status)


def _strip(name: str, days: tuple[Day, ...]) -> dict[str, Any]:
    """A component's days as marks (status, what happened that day), and one sentence for
    screen readers."""
    quiet = _("no incident")
    # Joined here, not in the template: ninety marks a component are most of the page's work.
    marks = format_html_join("", '<span class="day day-{}" title="{}"></span>', (
        (d.status, f"{d.day:%Y-%m-%d}: {'; '.join(d.incidents) or quiet}") for d in days))
    troubled = sum(1 for d in days if d.incidents)
    summary = ngettext("%(name)s: %(n)s day with incidents in the last %(days)s days",
                       "%(name)s: %(n)s days with incidents in the last %(days)s days",
                       troubled) % {"name": name, "n": troubled, "days": len(days)}
    return {"marks": marks, "summary": summary, "days": days}


def _incident(incident: PublicIncident, language: str) -> dict[str, Any]:
    """An incident as the page shows it, its updates in the reader's language."""
    return {
        "id": incident.id, "title": incident.title, "status": incident.status,
        "label": incident_status_label(incident.status), "severity": incident.severity,
        "components": incident.components, "started_at": incident.started_at,
        "resolved_at": incident.resolved_at,
        "updates": [{"label": incident_status_label(u.status), "text": u.text_in(language),
                     "at": u.at} for u in incident.updates],
    }


@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    """Ask for email about some components: a confirmation link is sent (the answer is the
    same for every address)."""
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    services.request_subscription(email=form.cleaned_data["email"],
                                  components=form.cleaned_data["components"],
                                  language=language_of(get_language()))
    messages.success(request, _("Check your inbox: we sent you a link to confirm the "
                                "subscription."))
    return redirect(reverse("status:page") + "#subscribe")


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners only GET); POST confirms the subscription."""
    asked = services.request_for_token(token)
    if asked is None:
        return render(request, "status/link_invalid.html", status=400)
    if request.method == "POST":
        services.confirm_subscription(request=asked)
        messages.success(request, _("Subscription confirmed: you will be emailed the "
                                    "updates of incidents."))
        return redirect("status:page")
    names = list(Component.objects.filter(pk__in=asked.component_ids)
                 .values_list("name", flat=True))
    return render(request, "status/confirm.html", {"email": asked.email, "components": names})


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST forgets the address's subscription."""
    email = services.email_for_unsubscribe_token(token)
    if email is None:
        return render(request, "status/link_invalid.html", status=400)
    if request.method == "POST":
        services.unsubscribe(email=email)
        messages.success(request, _("Unsubscribed: you will not be emailed any more."))
        return redirect("status:page")
    return render(request, "status/unsubscribe.html", {"email": email})


@require_safe
def banner_script(request: HttpRequest) -> HttpResponse:
    """The script an LMS page includes to show the banner of its group (docs/status-page.md)."""
    response = HttpResponse(_banner_script(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@cache
def _banner_script() -> str:
    return BANNER_SCRIPT.read_text(encoding="utf-8")
