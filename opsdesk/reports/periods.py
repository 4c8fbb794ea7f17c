"""Report periods: a date range or an ISO week, in the desk's configured time zone."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from django.utils import timezone

from opsdesk.core.errors import InvalidInput

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Period:
    """From `starts` (included) to `ends` (excluded), both aware, in `zone`."""

    starts: datetime
    ends: datetime
    zone: tzinfo
    label: str

    @property
    def first_day(self) -> date:
        return self.starts.date()

    @property
    def last_day(self) -> date:
        return (self.ends - timedelta(days=1)).date()


def desk_zone() -> tzinfo:
    """The configured time zone (OPSDESK_TIME_ZONE): days and weeks start there."""
    return timezone.get_default_timezone()


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def period_between(*, first_day: date | None, last_day: date | None) -> Period:
    """The days from `first_day` to `last_day`, both included (default: the last 30 days)."""
    zone = desk_zone()
    last = last_day or timezone.localdate(timezone=zone)
    first = first_day or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput(
            f"'from' ({first}) is after 'to' ({last}).", fields={"from": "after 'to'"})
    return Period(_midnight(first, zone), _midnight(last + timedelta(days=1), zone), zone,
                  f"{first} – {last}")


def iso_week(week: str | None) -> Period:
    """The ISO week written `2026-W08`, Monday to Sunday (default: last week)."""
    zone = desk_zone()
    if not week:
        year, number, _ = (timezone.localdate(timezone=zone) - timedelta(days=7)).isocalendar()
        week = f"{year}-W{number:02d}"
    found = WEEK_PATTERN.match(week.strip())
    try:
        if found is None:
            raise ValueError(week)
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError as exc:
        raise InvalidInput(
            f"{week!r} is not an ISO week; write it like 2026-W08.",
            fields={"week": "an ISO week like 2026-W08"},
        ) from exc
    starts = _midnight(monday, zone)
    return Period(starts, _midnight(monday + timedelta(days=7), zone), zone, week.strip())
