"""Background jobs of the status page: confirmation links and subscribers' notices."""

import logging

from django.utils import timezone
from django_tasks import TaskContext, task

from opsdesk.communications.outgoing import next_attempt
from opsdesk.incidents.models import IncidentUpdate

from .emails import already_sent, notice_key, send_confirmation, send_notice
from .notices import subscribers_of
from .services import SubscriptionRequest

logger = logging.getLogger("opsdesk.status")


@task(takes_context=True)
def send_subscription_confirmation(context: TaskContext, email: str, component_ids: list[int],
                                   language: str = "en") -> str:
    """Email the confirmation link of a subscription; the token is made here, so it is
    never queued."""
    key = f"status-confirm:{context.task_result.id}"
    if already_sent(key):
        return "sent already"  # by an earlier run of this job, its worker killed after
    request = SubscriptionRequest(email=email, component_ids=tuple(component_ids),
                                  language=language)
    return "sent" if send_confirmation(request=request, key=key) else "sent already"


@task()
def send_subscriber_notices(update_id: int, attempt: int = 1) -> str:
    """Email a public update to each subscriber not told of it yet; those the mail server
    could not take are tried again later, with back-off."""
    update = IncidentUpdate.objects.select_related("incident").filter(
        pk=update_id, public=True).first()
    if update is None:
        return "skipped"
    sent = failed = 0
    for subscription in subscribers_of(update.incident).prefetch_related("components"):
        if already_sent(notice_key(update, subscription)):
            continue
        try:
            sent += send_notice(update=update, subscription=subscription)
        except OSError as exc:
            logger.warning("status notice of update %s to subscription %s failed: %s",
                           update.pk, subscription.pk, exc)
            failed += 1
    delay = next_attempt(attempt) if failed else None
    if delay is not None:
        send_subscriber_notices.using(run_after=timezone.now() + delay).enqueue(
            update_id=update_id, attempt=attempt + 1)
    return f"{sent} sent, {failed} failed" + (", retrying" if delay else "")
