"""Helpers for the SLA tests: the desk's local time (Asia/Ho_Chi_Minh) and clock look-ups."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from opsdesk.sla.models import SlaClock, SlaEvent

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
WEDNESDAY = date(2026, 2, 18)
FRIDAY = date(2026, 2, 20)
MONDAY = date(2026, 2, 23)

# Affected users that the default CoS rules put in each class.
USERS = {"expedite": 30, "priority": 10, "standard": 1}


def hcm(hh: int, mm: int = 0, day: date = WEDNESDAY) -> datetime:
    """A local time at the desk."""
    return datetime.combine(day, time(hh, mm), tzinfo=HCM)


def clock_of(ticket, target: str) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, target=target)


def event_kinds(ticket, target: str) -> list[str]:
    return list(SlaEvent.objects.filter(ticket=ticket, target=target)
                .order_by("at", "id").values_list("kind", flat=True))
