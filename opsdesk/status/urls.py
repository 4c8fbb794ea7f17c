"""The public status page, its subscriptions and the LMS banner script."""

from django.urls import path

from . import views

app_name = "status"
urlpatterns = [
    path("", views.status_page, name="page"),
    path("subscribe", views.subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("banner.js", views.banner_script, name="banner_js"),
]
