"""Related rows a service already holds, kept on the instance as a prefetch would keep them."""

from collections.abc import Iterable
from typing import Any

from django.db import models


def remember_related(instance: models.Model, name: str, rows: Iterable[Any]) -> None:
    """Let `instance.<name>.all()` answer from `rows` without a query (until the relation
    is changed through its manager, which forgets them)."""
    cached = getattr(instance, name).all()
    cached._result_cache, cached._prefetch_done = list(rows), True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = cached
