"""Saving many rows changed alike (tickets moved together, the clocks their move stopped)."""

from collections.abc import Sequence
from typing import Any

from django.db import models


def update_alike(rows: Sequence[models.Model], fields: Sequence[str], **on_all: Any) -> None:
    """Save these fields of the rows (of one model) with one UPDATE per set of equal values,
    and `on_all` (such as an F() expression) on every row. Rows changed together mostly
    share their values; Django's bulk_update would build a CASE per row and field instead,
    slower to compose than to run for a hundred rows."""
    if not rows:
        return
    model = type(rows[0])
    names = [f.attname for f in model._meta.concrete_fields if f.name in fields]
    assert len(names) == len(fields), fields
    alike: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        alike.setdefault(tuple(getattr(row, name) for name in names), []).append(row.pk)
    for values, pks in alike.items():
        model._default_manager.filter(pk__in=pks).update(**dict(zip(names, values, strict=True)),
                                                         **on_all)
