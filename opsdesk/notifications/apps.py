from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "opsdesk.notifications"
    verbose_name = "Notifications"
