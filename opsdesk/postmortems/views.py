"""The postmortem's downloads for the desk (signed-in staff): the API's files, by session."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from opsdesk.incidents.models import Incident
from opsdesk.web.access import desk_staff_required

from .downloads import FORMATS, postmortem_file
from .queries import postmortem_for


@desk_staff_required
def postmortem_download(request: HttpRequest, incident_id: int,
                        file_format: str) -> HttpResponse:
    """An incident's postmortem as Markdown, PDF or JSON, to save."""
    if file_format not in FORMATS:
        raise Http404
    incident = get_object_or_404(Incident, pk=incident_id)
    return postmortem_file(view=postmortem_for(incident), file_format=file_format,
                           disposition="attachment")
