from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "opsdesk.reports"
    verbose_name = "Reports"
