"""Reminding owners of action items before they are due (a periodic job of the worker)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from opsdesk.notifications.services import Notices

from .models import ActionItem, ActionStatus

BATCH = 200  # action items reminded per transaction


def remind_due_action_items(now: datetime | None = None) -> int:
    """Tell the owner of each open action item due within OPSDESK_ACTION_REMINDER_DAYS
    (default 2) days, or overdue, once: a notification, emailed after commit. Returns how
    many owners were told."""
    now = now or timezone.now()
    days = int(getattr(settings, "OPSDESK_ACTION_REMINDER_DAYS", 2))
    last_due = timezone.localdate(now) + timedelta(days=days)
    with transaction.atomic():
        items = list(ActionItem.objects.select_for_update(skip_locked=True, of=("self",))
                     .filter(status=ActionStatus.OPEN, reminded_at__isnull=True,
                             due__lte=last_due, owner__is_active=True)
                     .select_related("owner", "incident").order_by("due", "id")[:BATCH])
        if not items:
            return 0
        notices = Notices(at=now)
        for item in items:
            notices.notify(recipients=[item.owner], ticket=None, kind="action_item_due",
                           subject=_subject(item), body=_body(item, now))
        notices.record()
        ActionItem.objects.filter(pk__in=[i.pk for i in items]).update(reminded_at=now)
    return len(items)


def _subject(item: ActionItem) -> str:
    return f"[{item.incident.ref}] Action item due {item.due:%Y-%m-%d}: {item.title}"[:300]


def _body(item: ActionItem, now: datetime) -> str:
    days = (item.due - timezone.localdate(now)).days
    when = ("overdue" if days < 0 else "due today" if days == 0 else
            "due tomorrow" if days == 1 else f"due in {days} days")
    return (f"The {item.get_kind_display().lower()} action “{item.title}” is {when} "
            f"({item.due:%Y-%m-%d}).\n\n"
            f"Incident: {item.incident.ref} {item.incident.title}\n"
            "Mark it done or dropped on the incident's postmortem when it is.")
