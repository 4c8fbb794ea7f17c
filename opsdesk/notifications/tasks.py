"""Background delivery of notifications: email to staff, and messages to channels."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from opsdesk.accounts.services import system_user
from opsdesk.core.jobs import Batch, handed_over
from opsdesk.core.mail import send_email
from opsdesk.core.stranded import requeue_stranded
from opsdesk.tickets.services import record_event

from . import channels
from .channels import ChannelMessage, TransportError
from .models import ChannelDelivery, DeliveryStatus, Notification

logger = logging.getLogger(__name__)

# Wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure is final.
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10),
           timedelta(minutes=30))
MAX_ATTEMPTS = len(BACKOFF) + 1
_SENT = {"email_status": DeliveryStatus.SENT, "email_error": "",
         "email_attempts": F("email_attempts") + 1}


@task()
def deliver_notification_email(notification_id: int) -> str:
    """Email one notification to its recipient; the outcome is kept on the notification."""
    notification = handed_over(Notification, notification_id) or Notification.objects \
        .select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.email_status == DeliveryStatus.SENT:
        return "skipped"
    outcome = _email(notification)
    if isinstance(outcome, OSError):
        raise outcome
    return outcome


def deliver_notification_emails(calls: Batch) -> None:
    """`deliver_notification_email` for several notifications: those not handed over read
    together; one that fails is queued to try again."""
    ids = list(dict.fromkeys(kwargs["notification_id"] for kwargs, _ in calls))
    found = {obj.pk: obj for kwargs, obj in calls
             if isinstance(obj, Notification) and obj.pk == kwargs["notification_id"]}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        found |= {n.pk: n for n in Notification.objects.select_related("recipient")
                  .filter(pk__in=missing)}
    for notification in (found[pk] for pk in ids if pk in found):
        if notification.email_status == DeliveryStatus.SENT:
            continue
        outcome = _email(notification)
        if isinstance(outcome, OSError):
            logger.warning("notification %s: email failed (%s); queued to try again",
                           notification.pk, outcome)
            deliver_notification_email.enqueue(notification_id=notification.pk)


def _email(notification: Notification) -> str | OSError:
    """Send the notification's email, recorded as sent as the mail server takes it ("sent
    already" if an earlier run did); a failure is recorded on it and returned."""
    notification.email_attempts += 1
    try:
        sent = send_email(EmailMessage(notification.subject, notification.body,
                                       settings.DEFAULT_FROM_EMAIL, [notification.recipient.email]),
                          record=partial(_record_sent, notification))
    except OSError as exc:
        notification.email_status, notification.email_error = DeliveryStatus.FAILED, str(exc)
        notification.save(update_fields=["email_status", "email_error", "email_attempts"])
        return exc
    notification.email_status, notification.email_error = DeliveryStatus.SENT, ""
    return "sent" if sent else "sent already"


def _record_sent(notification: Notification) -> bool:
    return bool(Notification.objects.filter(pk=notification.pk).exclude(
        email_status=DeliveryStatus.SENT).update(**_SENT))


def requeue_stranded_notices() -> int:
    """Queue again the notification emails and channel deliveries a stopped worker left
    untried (see core.stranded), or with an attempt it never finished (to be failed)."""
    emails = Notification.objects.filter(email_status=DeliveryStatus.PENDING, email_attempts=0)
    deliveries = ChannelDelivery.objects.filter(status=DeliveryStatus.PENDING,
                                                next_attempt_at=None)
    return (requeue_stranded(untried=emails, task=deliver_notification_email,
                             id_argument="notification_id")
            + requeue_stranded(untried=deliveries, task=deliver_to_channel,
                               id_argument="delivery_id"))


@task()
def deliver_to_channel(delivery_id: int) -> str:
    """Send one channel delivery: sent, tried again later with back-off, or failed for good
    (then the failure is put on the ticket's timeline). An attempt a worker began and never
    finished (it died during the call) is not made again: the message may have arrived."""
    delivery = ChannelDelivery.objects.select_related("channel", "ticket").filter(
        pk=delivery_id, status=DeliveryStatus.PENDING).first()
    if delivery is None:
        return "skipped"
    if delivery.attempts and delivery.next_attempt_at is None:
        return _cut_short(delivery)
    if not _claim(delivery):
        return "skipped"
    try:
        if not delivery.channel.enabled:
            raise TransportError("the channel was disabled", permanent=True)
        channels.send(delivery.channel, _message(delivery))
    except TransportError as exc:
        return _failed(delivery, exc)
    except Exception:  # a bug must not leave the delivery pending for ever
        logger.exception("channel delivery %s: unexpected error", delivery.pk)
        return _failed(delivery, TransportError("unexpected error (see the worker log)"))
    _sent(delivery)
    return "sent"


def _claim(delivery: ChannelDelivery) -> bool:
    """Count the attempt, committed before the call, unless another run took it first; it
    is under way while it is counted with no next attempt set."""
    taken = ChannelDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
    ).update(attempts=F("attempts") + 1, next_attempt_at=None)
    if taken:
        delivery.attempts, delivery.next_attempt_at = delivery.attempts + 1, None
    return bool(taken)


CUT_SHORT = ("the worker making attempt {} stopped during the call; the message may have "
             "arrived, so it is not sent again (send it again from the admin if it did not)")


def _cut_short(delivery: ChannelDelivery) -> str:
    """Fail for good an attempt its worker never finished (said once on the timeline)."""
    delivery.last_error = CUT_SHORT.format(delivery.attempts)
    with transaction.atomic():
        if not ChannelDelivery.objects.filter(
                pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts,
                next_attempt_at=None).update(status=DeliveryStatus.FAILED,
                                             last_error=delivery.last_error):
            return "skipped"
        if delivery.ticket is not None:
            _record_failure(delivery)
    logger.warning("channel delivery %s: attempt %s was cut short (channel %s); not sent "
                   "again", delivery.pk, delivery.attempts, delivery.channel_id)
    return "failed"


def _message(delivery: ChannelDelivery) -> ChannelMessage:
    return ChannelMessage(event=delivery.kind, title=delivery.title, body=delivery.body,
                          ticket=delivery.payload.get("ticket"), delivery_id=delivery.pk)


def _sent(delivery: ChannelDelivery) -> None:
    with transaction.atomic():
        delivery.status, delivery.delivered_at = DeliveryStatus.SENT, timezone.now()
        delivery.next_attempt_at, delivery.last_error = None, ""
        delivery.save(update_fields=["status", "delivered_at", "next_attempt_at", "last_error"])
        if delivery.ticket is not None:
            channel = delivery.channel
            record_event(
                ticket=delivery.ticket, actor=system_user(), event="notification_sent",
                body=f"Sent to {channel.name} ({channel.get_kind_display()}): {delivery.title}",
                data=_event_data(delivery),
            )
    logger.info("channel delivery %s sent (channel %s, %s, attempt %s)",
                delivery.pk, delivery.channel_id, delivery.channel.kind, delivery.attempts)


def _failed(delivery: ChannelDelivery, error: TransportError) -> str:
    delivery.last_error = error.message[:500]
    final = error.permanent or delivery.attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        if final:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = timezone.now() + BACKOFF[delivery.attempts - 1]
            retry = deliver_to_channel.using(run_after=delivery.next_attempt_at)
            transaction.on_commit(partial(retry.enqueue, delivery_id=delivery.pk))
        delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
        if final and delivery.ticket is not None:
            _record_failure(delivery)
    logger.warning("channel delivery %s attempt %s failed (channel %s, %s): %s%s",
                   delivery.pk, delivery.attempts, delivery.channel_id, delivery.channel.kind,
                   delivery.last_error, "; giving up" if final else "; will try again")
    return "failed" if final else "retrying"


def _record_failure(delivery: ChannelDelivery) -> None:
    assert delivery.ticket is not None
    channel = delivery.channel
    tries = "1 attempt" if delivery.attempts == 1 else f"{delivery.attempts} attempts"
    record_event(
        ticket=delivery.ticket, actor=system_user(), event="notification_failed",
        body=f"Could not notify {channel.name} ({channel.get_kind_display()}) after {tries}: "
             f"{delivery.last_error}",
        data=_event_data(delivery),
    )


def _event_data(delivery: ChannelDelivery) -> dict[str, object]:
    return {"delivery_id": delivery.pk, "channel_id": delivery.channel_id,
            "channel": delivery.channel.name, "channel_kind": delivery.channel.kind,
            "kind": delivery.kind, "attempts": delivery.attempts, "error": delivery.last_error}
