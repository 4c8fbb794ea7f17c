from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "opsdesk.duplicates"
    verbose_name = "Duplicate check"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
