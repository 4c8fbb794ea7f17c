"""SQL pieces the reports need on both databases: durations in seconds and percentiles."""

import math
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Avg, Count, Expression, F, FloatField, Func, QuerySet


class Seconds(Func):
    """Seconds from `start` to `end` (a float), on PostgreSQL and SQLite."""

    output_field = FloatField()

    def __init__(self, end: str, start: str) -> None:
        super().__init__(F(end), F(start))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, arg_joiner=" - ",
                           template="EXTRACT(EPOCH FROM (%(expressions)s))::double precision",
                           **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, arg_joiner=") - julianday(",
                           template="((julianday(%(expressions)s)) * 86400.0)", **extra)


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile of an ordered set (`fraction` between 0 and 1)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Expression | F, *, fraction: float) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError(f"fraction {fraction} is not between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)))


def summarise(rows: QuerySet[Any], duration: Expression, fractions: tuple[float, ...]) -> dict:
    """Count, mean and percentiles of `duration` over `rows`, aggregated by the database.

    PostgreSQL computes the percentiles with `percentile_cont`; elsewhere each one is read
    with ORDER BY … LIMIT/OFFSET and interpolated exactly as `percentile_cont` does.
    """
    rows = rows.annotate(_seconds=duration).order_by()
    aggregates: dict[str, Any] = {"count": Count("_seconds"), "mean": Avg("_seconds")}
    native = connection.vendor == "postgresql"
    if native:
        aggregates |= {f"p{f}": PercentileCont(F("_seconds"), fraction=f) for f in fractions}
    summary = rows.aggregate(**aggregates)
    if not native:
        summary |= {f"p{f}": _percentile(rows, summary["count"], f) for f in fractions}
    return summary


def _percentile(rows: QuerySet[Any], count: int, fraction: float) -> float | None:
    if not count:
        return None
    position = fraction * (count - 1)
    low = math.floor(position)
    ordered = rows.exclude(_seconds=None).order_by("_seconds").values_list("_seconds", flat=True)
    values = list(ordered[low:low + 2])
    if len(values) == 1 or position == low:
        return float(values[0])
    return float(values[0] + (values[1] - values[0]) * (position - low))
