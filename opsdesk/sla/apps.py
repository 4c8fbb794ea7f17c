from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "opsdesk.sla"
    verbose_name = "SLA clocks"

    def ready(self) -> None:
        from opsdesk.core.config_cache import clear_on_change

        from .models import BusinessCalendar, Holiday, SlaPolicy

        clear_on_change(SlaPolicy, BusinessCalendar, Holiday)
