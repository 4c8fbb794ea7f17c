"""Working time: adding a target to a start time, calendar (24/7) or business hours.

All arithmetic is done in UTC; local dates and opening times only decide the windows,
so days that change to or from daylight saving time are counted correctly.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS_AHEAD = 3660  # ten years of calendar: a target that needs more is a configuration error


@dataclass(frozen=True)
class WorkingHours:
    """When the clock runs. `always_open` means calendar time (24/7)."""

    always_open: bool = True
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday is 0
    opens: time = time(8, 0)
    closes: time = time(17, 0)
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.always_open and (not self.days or self.opens >= self.closes):
            raise ValueError("Business hours need at least one working day and opens < closes.")

    def windows(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open periods (UTC) that end after `since`, in order."""
        day = since.astimezone(self.zone).date()
        for _ in range(MAX_DAYS_AHEAD):
            if day.weekday() in self.days and day not in self.holidays:
                start = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
                end = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
                if end > since:
                    yield start, end
            day += timedelta(days=1)
        raise ValueError("No working time within ten years: check the calendar.")

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of working time after `start`."""
        start = start.astimezone(UTC)
        if self.always_open or seconds <= 0:
            return start + timedelta(seconds=max(0.0, seconds))
        remaining = seconds
        for opens, closes in self.windows(start):
            cursor = max(start, opens)
            available = (closes - cursor).total_seconds()
            if remaining <= available:
                return cursor + timedelta(seconds=remaining)
            remaining -= available
        raise AssertionError("unreachable: windows() raises first")

    def between(self, start: datetime, end: datetime) -> float:
        """Seconds of working time from `start` to `end` (0 when end is not later)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0.0
        if self.always_open:
            return (end - start).total_seconds()
        total = 0.0
        for opens, closes in self.windows(start):
            if opens >= end:
                break
            total += (min(closes, end) - max(opens, start)).total_seconds()
        return total
