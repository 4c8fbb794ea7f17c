from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "opsdesk.automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        from opsdesk.core.config_cache import clear_on_change

        from . import receivers
        from .models import Rule

        receivers.connect()
        clear_on_change(Rule)
