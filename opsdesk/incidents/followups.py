"""An incident's follow-ups (the checks the desk owes after a fix): marking one done."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.core.errors import Conflict

from .models import FollowUp
from .services import record_event


def mark_follow_up_done(*, follow_up: FollowUp, actor: User,
                        at: datetime | None = None) -> FollowUp:
    """The check was made: stamp it done and put it on the incident's timeline (once; a
    follow-up done already is refused). `at`: when, now if None."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().select_related("incident") \
            .get(pk=follow_up.pk)
        if locked.done_at is not None:
            raise Conflict(f"“{locked.title}” is done already.", fields={"follow_up": "done"})
        locked.done_at = at
        locked.save(update_fields=["done_at"])
        record_event(incident=locked.incident, kind="follow_up_done", actor=actor, at=at,
                     body=f"Follow-up done: {locked.title}.",
                     data={"follow_up_id": locked.pk})
    return locked
