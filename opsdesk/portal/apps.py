from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "opsdesk.portal"
    verbose_name = "Requester portal"
