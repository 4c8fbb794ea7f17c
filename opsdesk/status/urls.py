"""The public status page."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
