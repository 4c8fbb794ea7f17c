"""Cross-cutting records: idempotency keys, emails recorded as sent."""

from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """The first response to a write sent with an Idempotency-Key, replayed on repeats."""

    scope = models.CharField(max_length=64, help_text="Hash of the caller's credentials.")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.key


class SentEmail(models.Model):
    """An email that has no row of its own to be marked sent on (a sign-in link), keyed by
    the job that sends it: written just before the mail server is told to accept the email,
    so that the job run again after its worker died does not send it twice."""

    key = models.CharField(max_length=100, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["sent_at"], name="sent_email_sent_at")]

    def __str__(self) -> str:
        return self.key
