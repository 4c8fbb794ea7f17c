from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "opsdesk.connectors"
    verbose_name = "Connectors"
