from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "opsdesk.communications"
    verbose_name = "Communications"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
