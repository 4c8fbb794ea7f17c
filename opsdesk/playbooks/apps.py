from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "opsdesk.playbooks"
    verbose_name = "Playbooks"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
