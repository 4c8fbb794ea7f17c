from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "opsdesk.web"
    verbose_name = "Agent workspace"
