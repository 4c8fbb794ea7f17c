"""Cross-cutting records: idempotency keys, workers' heartbeats, emails recorded as sent."""

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


class WorkerHeartbeat(models.Model):
    """An `opsdesk worker` process, seen alive at `last_seen_at` (it writes this every few
    seconds). The jobs a worker has claimed are leased to it while this is fresh; once it is
    older than OPSDESK_JOB_LEASE_SECONDS, or the worker stopped, any worker queues them again
    (core/leases.py)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True,
                                      help_text="Stopped by a signal after its jobs finished.")

    class Meta:
        indexes = [models.Index(fields=["last_seen_at"], name="worker_heartbeat_seen")]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}, pid {self.pid})"


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
