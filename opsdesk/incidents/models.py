"""Incidents: one ongoing service problem that many tickets can be about (DESIGN §2)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opsdesk.tickets.models import Cos, Ticket


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


ACTIVE_STATUSES = frozenset({IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED,
                             IncidentStatus.MONITORING})


class IncidentSource(models.TextChoices):
    MANUAL = "manual", _("By hand")
    TICKET = "ticket", _("From a ticket")
    ALERT = "alert", _("From an alert")


class Component(models.Model):
    """A part of the service the status page lists ("LMS · exam submission")."""

    name = models.CharField(max_length=120, unique=True)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Incident(models.Model):
    """An ongoing service problem: its status, class, reach, owner, and what it links."""

    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True, help_text="What is wrong, for the desk.")
    status = models.CharField(max_length=20, choices=IncidentStatus.choices,
                              default=IncidentStatus.INVESTIGATING)
    cos = models.CharField(max_length=20, choices=Cos.choices, default=Cos.PRIORITY)
    cos_rationale = models.TextField(blank=True)
    cos_overridden = models.BooleanField(default=False)
    components = models.ManyToManyField(Component, blank=True, related_name="incidents")
    groups = models.JSONField(default=list, blank=True,
                              help_text="Affected groups named by hand (class codes).")
    affected_users = models.PositiveIntegerField(
        default=0, help_text="The union of its tickets' impact, each user and group once.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="owned_incidents",
                              help_text="The incident commander.")
    source = models.CharField(max_length=10, choices=IncidentSource.choices,
                              default=IncidentSource.MANUAL)
    from_ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    detected_at = models.DateTimeField(default=timezone.now,
                                       help_text="The first report or alert.")
    opened_at = models.DateTimeField(default=timezone.now)
    identified_at = models.DateTimeField(null=True, blank=True)
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    watch_until = models.DateTimeField(
        null=True, blank=True, help_text="After resolving: new matching tickets flag it.")
    root_cause = models.TextField(blank=True)
    resolution = models.TextField(blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "-opened_at"], name="incident_status_opened")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def ref(self) -> str:
        return f"INC-{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class IncidentUpdate(models.Model):
    """What the desk says about an incident: public (status page, banner, linked
    requesters) or an internal note."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=20, choices=IncidentStatus.choices)
    body = models.TextField()
    body_vi = models.TextField(blank=True, help_text="The Vietnamese wording, if written.")
    public = models.BooleanField(default=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    requesters_told = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["incident", "public", "-created_at"],
                                name="incident_update_latest")]

    def __str__(self) -> str:
        return f"{self.incident.ref} {self.status}: {self.body[:40]}"

    def text_in(self, language: str) -> str:
        """The update in this language, or as written."""
        return self.body_vi if language == "vi" and self.body_vi else self.body


class IncidentEvent(models.Model):
    """Something that happened to an incident, for its timeline and postmortem."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class IncidentCandidate(models.Model):
    """An open incident a ticket looks like, below the score that links it by itself."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE,
                               related_name="incident_candidates")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "incident_id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "incident"],
                                               name="incident_candidate_unique")]

    def __str__(self) -> str:
        return f"#{self.ticket_id:05d} ~ INC-{self.incident_id} ({self.score:.2f})"


class FollowUp(models.Model):
    """A check the desk owes after a fix ("check again in an hour"), due at a time."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="follow_ups")
    title = models.CharField(max_length=300)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return self.title
