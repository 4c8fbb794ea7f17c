from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "opsdesk.core"
    verbose_name = "Core"
