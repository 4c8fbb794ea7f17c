from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "opsdesk.status"
    verbose_name = "Status page"
