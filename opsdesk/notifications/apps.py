from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "opsdesk.notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from opsdesk.core import scheduler

        from .tasks import requeue_stranded_notices

        scheduler.register(name="stranded notifications", every_seconds=300,
                           job=requeue_stranded_notices)
