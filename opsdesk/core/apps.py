from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_table(sender: Any, **kwargs: Any) -> None:
    from django.core.management import call_command

    call_command("createcachetable", database=kwargs.get("using", "default"), verbosity=0)


class CoreConfig(AppConfig):
    name = "opsdesk.core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import jobs

        jobs.connect()
        post_migrate.connect(_create_cache_table, sender=self,
                             dispatch_uid="core.create_cache_table")
