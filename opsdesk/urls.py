from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from opsdesk.communications.views import rate_ticket
from opsdesk.core.api import api
from opsdesk.core.views import healthz
from opsdesk.web.home import home

admin.site.site_header = "opsdesk administration"
admin.site.site_title = "opsdesk"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico",
         RedirectView.as_view(url=f"{settings.STATIC_URL}web/favicon.svg", permanent=True)),
    path("api/v1/", api.urls),
    path("rate/<str:token>/", rate_ticket, name="rate_ticket"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/", include("opsdesk.web.urls")),
    path("portal/", include("opsdesk.portal.urls")),
    path("status/", include("opsdesk.status.urls")),
    path("", home, name="home"),
]
