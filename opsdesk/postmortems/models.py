"""Postmortems: what an incident teaches, written from its record (DESIGN §2)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opsdesk.incidents.models import Incident

# The parts of a postmortem the desk writes; each left blank reads from the incident.
WRITTEN_FIELDS = ("summary", "trigger", "detection", "root_cause", "resolution", "lessons")


class Postmortem(models.Model):
    """The desk's own words for an incident's postmortem; a blank part reads from the
    incident (summary, root cause, resolution …) when the postmortem is made."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE,
                                    related_name="postmortem")
    summary = models.TextField(blank=True)
    trigger = models.TextField(blank=True, help_text="What set the problem off.")
    detection = models.TextField(blank=True, help_text="How the desk learnt of it.")
    root_cause = models.TextField(blank=True)
    resolution = models.TextField(blank=True)
    lessons = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Postmortem of {self.incident.ref}"


class TimelineEdit(models.Model):
    """A change to one step of a postmortem's timeline: a recorded step reworded, moved or
    marked misleading (`source` names it, e.g. "event-12"), or a step the desk added
    (no `source`). Recorded steps are never removed: a misleading one stays, marked."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE,
                                   related_name="timeline_edits")
    source = models.CharField(max_length=40, blank=True,
                              help_text="The recorded step it changes; blank if added.")
    at = models.DateTimeField(null=True, blank=True, help_text="Blank: as recorded.")
    kind = models.CharField(max_length=30, blank=True)
    body = models.TextField(blank=True, help_text="Blank: as recorded.")
    misleading = models.BooleanField(default=False)
    note = models.TextField(blank=True, help_text="Why it misled, or what it should say.")
    edited_at = models.DateTimeField(default=timezone.now)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "source"], condition=~Q(source=""),
                                    name="timeline_edit_one_per_step"),
            models.CheckConstraint(condition=~Q(source="") | Q(at__isnull=False),
                                   name="timeline_edit_added_has_time"),
        ]

    def __str__(self) -> str:
        return self.source or f"added-{self.pk}"

    @property
    def step_id(self) -> str:
        """How the timeline names this step."""
        return self.source or f"added-{self.pk}"


class ActionKind(models.TextChoices):
    CORRECTIVE = "corrective", _("Corrective")
    PREVENTIVE = "preventive", _("Preventive")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ActionItem(models.Model):
    """Something to do so that an incident is fixed for good (corrective) or does not
    happen again (preventive): one owner, a due date, reminded once before it is due."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE,
                                 related_name="action_items")
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=12, choices=ActionKind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="action_items")
    due = models.DateField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices,
                              default=ActionStatus.OPEN)
    reminded_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When its owner was told it is due soon.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["due"], name="action_item_unreminded",
                                condition=Q(status="open", reminded_at__isnull=True))]

    def __str__(self) -> str:
        return self.title
