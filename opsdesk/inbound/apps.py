from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "opsdesk.inbound"
    verbose_name = "Inbound mail and webhooks"
