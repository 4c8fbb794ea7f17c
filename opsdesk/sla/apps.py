from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "opsdesk.sla"
    verbose_name = "SLA clocks"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
