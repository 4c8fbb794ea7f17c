"""The status API (API.md): the public feed and the LMS banner. No token needed; nothing
personal and no internal note is in either (see queries.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from ninja import Router

from .queries import CACHE_SECONDS, PublicIncident, status_snapshot
from .schemas import (
    BannerIncidentOut,
    BannerOut,
    ComponentOut,
    IncidentOut,
    StatusOut,
    UpdateOut,
)
from .wording import banner_labels, incident_status_label, language_of

router = Router(tags=["status"])


def _public_headers(response: HttpResponse) -> None:
    """Any site (an LMS page) may read it; browsers and proxies keep it a short while."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"


@router.get("", response=StatusOut, auth=None, summary="Components and active incidents")
def get_status(request: HttpRequest, response: HttpResponse, lang: str = "en") -> StatusOut:
    """Every component with its status, and the active incidents with their public updates
    (`lang=vi`: the Vietnamese wording where written). Public; cached for a few seconds."""
    language = language_of(lang)
    snapshot = status_snapshot()
    _public_headers(response)
    return StatusOut(
        status=snapshot.status,
        components=[ComponentOut(name=c.name, status=c.status) for c in snapshot.components],
        incidents=[_incident_out(incident, language) for incident in snapshot.incidents],
        updated_at=snapshot.updated_at)


@router.get("/banner", response=BannerOut, auth=None, summary="The LMS banner of a group")
def get_banner(request: HttpRequest, response: HttpResponse, group: str = "",
               lang: str = "en") -> BannerOut:
    """The active incidents a group's LMS pages should show: those naming the group (case
    does not matter) and the Expedite ones naming no group; each with its latest public
    update. Empty when there is nothing for the group. Public, for any origin (CORS)."""
    language = language_of(lang)
    incidents = status_snapshot().banner_for(group)
    _public_headers(response)
    with translation.override(language):
        return BannerOut(
            group=group, incidents=[_banner_out(incident, language) for incident in incidents],
            status_url=request.build_absolute_uri(reverse("status:page")) + f"?lang={language}",
            labels=banner_labels())


@router.api_operation(["OPTIONS"], "/banner", auth=None, include_in_schema=False)
def preflight_banner(request: HttpRequest) -> HttpResponse:
    """CORS preflight: GET from any origin."""
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _incident_out(incident: PublicIncident, language: str) -> IncidentOut:
    return IncidentOut(
        id=incident.id, title=incident.title, status=incident.status, cos=incident.cos,
        components=list(incident.components), groups=list(incident.groups),
        started_at=incident.started_at,
        updates=[UpdateOut(status=u.status, body=u.text_in(language), at=u.at)
                 for u in incident.updates])


def _banner_out(incident: PublicIncident, language: str) -> BannerIncidentOut:
    latest = incident.latest_update
    return BannerIncidentOut(
        id=incident.id, title=incident.title, status=incident.status,
        status_label=incident_status_label(incident.status), cos=incident.cos,
        message=latest.text_in(language) if latest else "",
        at=latest.at if latest else incident.started_at)
