from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "opsdesk.automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
