"""Notifications to desk staff (shown in opsdesk, emailed) and the channels that carry
them further: Teams, Slack, email and signed JSON webhooks, per team or per user."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone

from opsdesk.accounts.models import Team
from opsdesk.tickets.models import DeliveryStatus, Ticket


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="notifications")
    kind = models.CharField(max_length=40, help_text="e.g. sla_warned, sla_breached")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=DeliveryStatus.choices,
                                    default=DeliveryStatus.PENDING)
    email_error = models.TextField(blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["created_at"], name="notification_email_untried",
                         condition=Q(email_status="pending", email_attempts=0)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class ChannelKind(models.TextChoices):
    TEAMS = "teams", "Microsoft Teams"
    SLACK = "slack", "Slack"
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "JSON webhook"
    APPRISE = "apprise", "Other service (apprise URL)"


def new_channel_secret() -> str:
    """A random key for signing webhook bodies (HMAC-SHA256)."""
    return secrets.token_urlsafe(32)


_http_url = URLValidator(schemes=["http", "https"])


class Channel(models.Model):
    """Where a team or a person is reached besides opsdesk itself: a chat or email target."""

    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="channels")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=100, help_text="e.g. “Dev Team on Teams”.")
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    target = models.CharField(
        max_length=2000,
        help_text="The webhook URL (Teams Workflows, Slack incoming webhook, your endpoint) "
                  "or, for email, the address.",
    )
    secret = models.CharField(max_length=200, blank=True, default=new_channel_secret,
                              help_text="Webhooks: the key the body is signed with.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=False, user__isnull=True)
                | Q(team__isnull=True, user__isnull=False),
                name="channel_one_owner",
                violation_error_message="A channel belongs to a team or to a person, "
                                        "not both and not neither.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A target of the right form for the kind, and a secret for webhooks."""
        if self.kind == ChannelKind.APPRISE:
            from .channels.apprise_url import supports

            if not supports(self.target):
                raise ValidationError({"target": "Enter an apprise URL of a service it "
                                                 "supports (e.g. discord://…, tgram://…)."})
            return
        try:
            if self.kind == ChannelKind.EMAIL:
                validate_email(self.target)
            else:
                _http_url(self.target)
        except ValidationError:
            expected = "an email address" if self.kind == ChannelKind.EMAIL else \
                "an http:// or https:// URL"
            raise ValidationError({"target": f"Enter {expected}."}) from None
        if self.kind == ChannelKind.WEBHOOK and not self.secret:
            raise ValidationError({"secret": "A webhook needs a secret to sign with."})


class ChannelDelivery(models.Model):
    """One message for one channel, with its delivery status; retried with back-off."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="channel_deliveries")
    kind = models.CharField(max_length=40,
                            help_text="The event: sla_breached, expedite_fanout, "
                                      "manager_notice, dev_alert, escalation, …")
    title = models.CharField(max_length=300)
    body = models.TextField()
    payload = models.JSONField(default=dict, blank=True,
                               help_text="The ticket as it was when the message was made.")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "channel deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"],
                                name="channel_delivery_due"),
                   models.Index(fields=["created_at"], name="channel_delivery_untried",
                                condition=Q(status="pending", attempts=0))]

    def __str__(self) -> str:
        return f"{self.kind} → {self.channel_id} ({self.status})"
