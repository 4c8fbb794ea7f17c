"""Email received by opsdesk, kept as it came, and the IMAP mailboxes it is fetched from."""

from django.db import models
from django.utils import timezone

from opsdesk.tickets.models import Message, Ticket


class Outcome(models.TextChoices):
    PENDING = "pending", "Being ingested"
    TICKET_CREATED = "ticket_created", "Ticket created"
    THREADED = "threaded", "Added to its ticket"
    FOLLOW_UP_CREATED = "follow_up_created", "Follow-up ticket created"
    ESCALATION_ANSWERED = "escalation_answered", "Escalation answered"
    IGNORED_AUTO_REPLY = "ignored_auto_reply", "Ignored: automatic reply"
    IGNORED_BOUNCE = "ignored_bounce", "Ignored: bounce"
    IGNORED_LOOP = "ignored_loop", "Ignored: sent by opsdesk itself"
    DUPLICATE = "duplicate", "Duplicate"
    FAILED = "failed", "Failed"


IGNORED_OUTCOMES = frozenset({Outcome.IGNORED_AUTO_REPLY, Outcome.IGNORED_BOUNCE,
                              Outcome.IGNORED_LOOP, Outcome.DUPLICATE})


class InboundEmail(models.Model):
    """One email as received (the full original is kept), and what opsdesk did with it."""

    message_id = models.CharField(
        max_length=255, unique=True,
        help_text="The Message-ID with <>; a hash of the raw message when it had none.",
    )
    mailbox = models.CharField(max_length=100, blank=True, help_text="Where it came from.")
    raw = models.BinaryField(help_text="The original RFC 822 message, byte for byte.")
    size = models.PositiveIntegerField(default=0)
    from_address = models.CharField(max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    error = models.TextField(blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="inbound_emails")
    timeline_message = models.ForeignKey(Message, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["outcome", "-received_at"], name="inbound_outcome_received"),
            models.Index(fields=["from_address"], name="inbound_from_address"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.get_outcome_display()})"


class Security(models.TextChoices):
    SSL = "ssl", "SSL/TLS (port 993)"
    STARTTLS = "starttls", "STARTTLS (port 143)"
    NONE = "none", "None (local test servers only)"


class Mailbox(models.Model):
    """An IMAP mailbox opsdesk polls for new email."""

    name = models.CharField(max_length=100, unique=True)
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField(max_length=255)
    password = models.CharField(max_length=255)
    folder = models.CharField(max_length=255, default="INBOX")
    enabled = models.BooleanField(default=True)
    last_uid = models.PositiveBigIntegerField(
        default=0, help_text="Highest message UID already ingested from this folder.")
    uid_validity = models.PositiveBigIntegerField(
        default=0, help_text="The folder's UIDVALIDITY when last_uid was recorded.")
    last_polled_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is polling it until then.")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
