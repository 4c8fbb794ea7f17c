"""The project's URLs with the desk's postmortem downloads included, as opsdesk/urls.py
is to include them."""

from django.urls import include, path

from opsdesk.urls import urlpatterns as project

urlpatterns = [path("desk/", include("opsdesk.postmortems.urls")), *project]
