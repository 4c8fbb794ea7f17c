"""The desk's postmortem downloads, included under /desk/ (opsdesk/urls.py)."""

from django.urls import path

from . import views

app_name = "postmortems"
urlpatterns = [
    path("incidents/<int:incident_id>/postmortem.<str:file_format>", views.postmortem_download,
         name="download"),
]
