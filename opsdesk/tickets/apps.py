from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "opsdesk.tickets"
    verbose_name = "Tickets"
