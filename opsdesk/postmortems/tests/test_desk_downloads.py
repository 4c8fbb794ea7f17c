"""The desk's postmortem downloads: the same files as the API, for signed-in staff."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from opsdesk.postmortems.downloads import DESK_DOWNLOAD

pytestmark = pytest.mark.urls("opsdesk.postmortems.tests.urls")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def link(incident, file_format):
    return reverse(DESK_DOWNLOAD, kwargs={"incident_id": incident.pk,
                                          "file_format": file_format})


def test_staff_download_the_postmortem_as_markdown_and_pdf(agent, outage):
    assert link(outage, "pdf") == f"/desk/incidents/{outage.pk}/postmortem.pdf"
    markdown = signed_in(agent).get(link(outage, "md"))
    assert markdown["Content-Disposition"] == \
        f'attachment; filename="opsdesk-postmortem-{outage.ref}.md"'
    assert "## Timeline" in markdown.content.decode()
    pdf = signed_in(agent).get(link(outage, "pdf"))
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Duration: 2 h 15 min" in text


def test_requesters_strangers_and_unknown_formats_get_nothing(agent, requester, outage):
    assert signed_in(requester).get(link(outage, "md")).status_code == 403
    assert Client().get(link(outage, "md")).status_code == 302  # to sign in
    assert signed_in(agent).get(link(outage, "docx")).status_code == 404
    assert signed_in(agent).get("/desk/incidents/999999/postmortem.md").status_code == 404
