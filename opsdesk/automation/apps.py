from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "opsdesk.automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        from opsdesk.core.config_cache import clear_on_change

        from .models import Rule

        clear_on_change(Rule)
