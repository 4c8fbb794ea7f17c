"""Configuration read for every new ticket (SLA policies, CoS rules, templates), kept per
process so creating a ticket does not read it again each time.

A change saved in this process clears the copies at once; other processes (web workers,
the worker) see it within `OPSDESK_CONFIG_CACHE_SECONDS`.
"""

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_copies: dict[str, tuple[float, Any]] = {}


def cached_config(key: str, load: Callable[[], T]) -> T:
    """The value `load` returns, read again once it is older than the configured age."""
    now = time.monotonic()
    copy = _copies.get(key)
    if copy is not None and now - copy[0] < settings.OPSDESK_CONFIG_CACHE_SECONDS:
        value: T = copy[1]
        return value
    value = load()
    _copies[key] = (now, value)
    return value


def clear_config_cache(**kwargs: Any) -> None:
    """Forget every copy (on any change to configuration)."""
    _copies.clear()


def clear_on_change(*models: type[Model]) -> None:
    """Clear the copies whenever a row of these models is saved or deleted."""
    for model in models:
        uid = f"config_cache.{model._meta.label}"
        post_save.connect(clear_config_cache, sender=model, dispatch_uid=f"{uid}.save",
                          weak=False)
        post_delete.connect(clear_config_cache, sender=model, dispatch_uid=f"{uid}.delete",
                            weak=False)
