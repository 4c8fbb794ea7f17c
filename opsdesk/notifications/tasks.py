"""Background delivery of notifications."""

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from .models import DeliveryStatus, Notification


@task()
def deliver_notification_email(notification_id: int) -> str:
    """Email one notification to its recipient; the outcome is kept on the notification."""
    notification = Notification.objects.select_related("recipient").filter(
        pk=notification_id).first()
    if notification is None or notification.email_status == DeliveryStatus.SENT:
        return "skipped"
    notification.email_attempts += 1
    try:
        send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL,
                  [notification.recipient.email])
    except OSError as exc:
        notification.email_status, notification.email_error = DeliveryStatus.FAILED, str(exc)
        notification.save(update_fields=["email_status", "email_error", "email_attempts"])
        raise
    notification.email_status, notification.email_error = DeliveryStatus.SENT, ""
    notification.save(update_fields=["email_status", "email_error", "email_attempts"])
    return "sent"
