"""Monitoring alerts in: the systems that send them and the alerts they sent (DESIGN §3)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opsdesk.incidents.models import Incident


class SourceKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    AZURE_MONITOR = "azure_monitor", _("Azure Monitor")
    UPTIMEROBOT = "uptimerobot", _("UptimeRobot")
    GENERIC = "generic", _("Generic JSON")

    @property
    def path(self) -> str:
        """The kind as the API's URL names it (/api/v1/alerts/azure-monitor)."""
        return self.value.replace("_", "-")


class AlertSource(models.Model):
    """A monitoring system allowed to send alerts, with its own secret (only its hash kept)."""

    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    name = models.CharField(max_length=100, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class AlertStatus(models.TextChoices):
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class Alert(models.Model):
    """One alert of a source, by its key (the source's own identity for it): fired, repeated,
    resolved, and the incident it opened or joined."""

    source = models.ForeignKey(AlertSource, on_delete=models.CASCADE, related_name="alerts")
    key = models.CharField(max_length=255, help_text="The source's identity for the alert.")
    group_key = models.CharField(
        max_length=255, blank=True,
        help_text="Alerts the source sends together (Alertmanager's group): one incident.")
    title = models.CharField(max_length=300)
    severity = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=10, choices=AlertStatus.choices,
                              default=AlertStatus.FIRING)
    details = models.JSONField(default=dict, blank=True,
                               help_text="Labels and annotations as the source gave them.")
    fired_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    repeats = models.PositiveIntegerField(
        default=0, help_text="Notifications of it while it kept firing.")
    last_seen_at = models.DateTimeField()
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="alerts")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-fired_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "key"],
                                               name="alert_source_key_unique")]
        indexes = [models.Index(fields=["key"], name="alert_key"),
                   models.Index(fields=["source", "group_key"], name="alert_group")]

    def __str__(self) -> str:
        return f"{self.title} [{self.status}]"
