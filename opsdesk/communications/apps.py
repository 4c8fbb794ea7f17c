from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "opsdesk.communications"
    verbose_name = "Communications"

    def ready(self) -> None:
        from opsdesk.core.config_cache import clear_on_change

        from . import receivers
        from .models import FanoutPolicy, MessageTemplate

        receivers.connect()
        clear_on_change(FanoutPolicy, MessageTemplate)
