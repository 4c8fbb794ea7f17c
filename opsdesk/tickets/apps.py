from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "opsdesk.tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from opsdesk.core.config_cache import clear_on_change

        from .models import CosRule

        clear_on_change(CosRule)
