from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "opsdesk.demo"
    verbose_name = "Demo"
