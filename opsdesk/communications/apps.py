from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "opsdesk.communications"
    verbose_name = "Communications"

    def ready(self) -> None:
        from opsdesk.core.config_cache import clear_on_change

        from .models import FanoutPolicy, MessageTemplate

        clear_on_change(FanoutPolicy, MessageTemplate)
