from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "opsdesk.inbound"
    verbose_name = "Inbound mail and webhooks"

    def ready(self) -> None:
        from opsdesk.core import scheduler

        from .imap import poll_mailboxes

        scheduler.register(name="imap poll", every_seconds=60, job=poll_mailboxes)
