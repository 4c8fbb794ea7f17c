from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "opsdesk.alerts"
    verbose_name = "Monitoring alerts"
