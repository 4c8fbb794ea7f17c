"""Tickets, their impact, tags and timeline, and the Class of Service policy."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.models import Language, Team, User


class Cos(models.TextChoices):
    EXPEDITE = "expedite", _("Expedite")
    PRIORITY = "priority", _("Priority")
    STANDARD = "standard", _("Standard")
    FIXED_DATE = "fixed_date", _("Fixed Date")
    INTANGIBLE = "intangible", _("Intangible")


# Priority stars a Class of Service implies unless an agent sets them (DESIGN §2).
PRIORITY_FOR_COS = {
    Cos.EXPEDITE: 3,
    Cos.PRIORITY: 2,
    Cos.FIXED_DATE: 2,
    Cos.STANDARD: 1,
    Cos.INTANGIBLE: 0,
}


class Stage(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In Progress")
    WAITING = "waiting", _("Waiting")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STAGES = frozenset({Stage.NEW, Stage.IN_PROGRESS, Stage.WAITING})

LEGAL_TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.NEW: frozenset({Stage.IN_PROGRESS, Stage.WAITING, Stage.RESOLVED, Stage.CANCELLED}),
    Stage.IN_PROGRESS: frozenset({Stage.WAITING, Stage.RESOLVED, Stage.CANCELLED}),
    Stage.WAITING: frozenset({Stage.IN_PROGRESS, Stage.RESOLVED, Stage.CANCELLED}),
    Stage.RESOLVED: frozenset({Stage.CLOSED, Stage.IN_PROGRESS}),
    Stage.CLOSED: frozenset(),
    Stage.CANCELLED: frozenset(),
}


class WaitingReason(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    DEV_TEAM = "dev_team", _("Dev team")
    THIRD_PARTY = "third_party", _("Third party")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    MONITORING = "monitoring", _("Monitoring")


class Scope(models.TextChoices):
    USER = "user", _("One user")
    GROUP = "group", _("A group")
    SYSTEM_WIDE = "system_wide", _("System-wide")


class Tag(models.Model):
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, user: User) -> "TicketQuerySet":
        """Desk staff see every ticket; a requester sees only their own."""
        if user.is_desk_staff:
            return self
        return self.filter(requester=user)


class Ticket(models.Model):
    """One request from one requester. Its primary key is its reference (#00042)."""

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    requester = models.ForeignKey(User, on_delete=models.PROTECT, related_name="requested_tickets")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets"
    )
    followers = models.ManyToManyField(User, blank=True, related_name="followed_tickets")
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.API)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)

    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.NEW)
    waiting_reason = models.CharField(max_length=20, choices=WaitingReason.choices, blank=True)

    cos = models.CharField(max_length=20, choices=Cos.choices, default=Cos.STANDARD)
    cos_rationale = models.TextField(blank=True)
    cos_overridden = models.BooleanField(default=False)
    cos_override_reason = models.TextField(blank=True)
    priority = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(3)])
    priority_overridden = models.BooleanField(default=False)

    # Impact: what the ticket says about reach (groups are ImpactGroup rows).
    affected_users = models.PositiveIntegerField(default=1)
    blocking = models.BooleanField(default=False)
    critical_function = models.BooleanField(default=False)
    critical_function_label = models.CharField(max_length=200, blank=True)
    failure_rate = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    scope = models.CharField(max_length=20, choices=Scope.choices, blank=True)
    workaround = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Requested date (Fixed Date).")

    received_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    root_cause = models.TextField(blank=True)
    resolution = models.TextField(blank=True)
    lessons = models.TextField(blank=True)
    kb_suggestion = models.TextField(blank=True)
    time_spent_minutes = models.PositiveIntegerField(default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups",
        help_text="The closed ticket this one continues (e.g. a late reply by email).",
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="tickets", help_text="The incident this ticket is a report of.")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets",
        help_text="The ticket this one was merged into; its timeline continues there.")
    version = models.PositiveIntegerField(default=1)

    objects = TicketQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["stage", "-id"], name="ticket_stage_id"),
            models.Index(fields=["cos", "-id"], name="ticket_cos_id"),
            models.Index(fields=["assignee", "stage", "-id"], name="ticket_assignee_stage_id"),
            models.Index(fields=["team", "stage", "-id"], name="ticket_team_stage_id"),
            models.Index(fields=["requester", "-id"], name="ticket_requester_id"),
            models.Index(fields=["created_at"], name="ticket_created_at"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def ref(self) -> str:
        return format_ref(self.pk)

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    def can_move_to(self, stage: str) -> bool:
        return stage in LEGAL_TRANSITIONS[self.stage]


def format_ref(number: int) -> str:
    """The human reference of a ticket number: #00042."""
    return f"#{number:05d}"


class ImpactGroup(models.Model):
    """A group (class, campus) a ticket affects, with how many of its people."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="impact_groups")
    name = models.CharField(max_length=100)
    affected = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "name"], name="impact_group_unique")
        ]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.name}: {self.affected}"


class MessageKind(models.TextChoices):
    NOTE = "note", _("Note")
    REPLY = "reply", _("Reply")
    EVENT = "event", _("Event")


class DeliveryStatus(models.TextChoices):
    NONE = "none", "Not emailed"
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Message(models.Model):
    """An entry on a ticket's timeline: an internal note, an external reply, or an event."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(blank=True)
    event = models.CharField(max_length=40, blank=True, help_text="What happened (events only).")
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(
        default=False, help_text="Shown to the requester. Never true for a note."
    )
    created_at = models.DateTimeField(default=timezone.now)
    template = models.CharField(max_length=40, blank=True, help_text="Template it started from.")
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.NONE,
        help_text="Email delivery of a reply to the requester and followers.",
    )
    delivery_error = models.TextField(blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="message_timeline"),
            models.Index(fields=["created_at"], name="message_delivery_untried",
                         condition=models.Q(delivery_status="pending", delivery_attempts=0)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=MessageKind.NOTE, public=True),
                name="message_note_never_public",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {format_ref(self.ticket_id)}"


class CosRule(models.Model):
    """One Class of Service rule: conditions on a ticket's impact, and the class they give.

    Rules are evaluated in `position` order; the first that matches decides the class.
    Every condition left empty is ignored; a rule with no condition matches every ticket.
    """

    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=100)
    cos = models.CharField(max_length=20, choices=Cos.choices)
    enabled = models.BooleanField(default=True)
    min_users = models.PositiveIntegerField(null=True, blank=True, help_text="At least this many.")
    max_users = models.PositiveIntegerField(null=True, blank=True, help_text="At most this many.")
    needs_critical_function = models.BooleanField(default=False)
    min_failure_rate = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="0 to 1; 1 means fully down.",
    )
    needs_blocking = models.BooleanField(default=False)
    needs_due_date = models.BooleanField(default=False)
    tag = models.CharField(max_length=64, blank=True, help_text="The ticket carries this tag.")
    rationale = models.CharField(
        max_length=300,
        help_text="Sentence stored with the decision. Placeholders: {users}, {failure}, "
        "{function}, {due}, {tag}.",
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.name} → {self.get_cos_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .classification import RATIONALE_PLACEHOLDERS, unknown_placeholders

        low, high = self.min_users, self.max_users
        if low is not None and high is not None and low > high:
            raise ValidationError({"max_users": "Must be at least the minimum."})
        unknown = unknown_placeholders(self.rationale)
        if unknown:
            known = ", ".join(f"{{{p}}}" for p in RATIONALE_PLACEHOLDERS)
            raise ValidationError(
                {"rationale": f"Unknown placeholder {', '.join(unknown)}; use {known}."}
            )


class EscalationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Escalation(models.Model):
    """A structured hand-off of a ticket to another team (DESIGN §2)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="escalations")
    impact_summary = models.TextField()
    findings = models.TextField()
    hypothesis = models.TextField()
    workaround_status = models.TextField()
    ask = models.TextField()
    update_cadence_minutes = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Escalation of {format_ref(self.ticket_id)} to {self.team}"


class EscalationResponse(models.Model):
    """The other team's answer to an escalation."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Response to escalation {self.escalation_id}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.ticket_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class Attachment(models.Model):
    """A file that came with a message (email, portal) on a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.filename


class MailReference(models.Model):
    """A Message-ID opsdesk sent or received, and what it belongs to: how email threads."""

    header = models.CharField(max_length=255, unique=True, help_text="The Message-ID, with <>.")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="mail_references")
    timeline_message = models.ForeignKey(Message, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="mail_references")
    escalation = models.ForeignKey(Escalation, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="mail_references")
    outgoing = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.header


class VerificationCheck(models.Model):
    """One item of a ticket's verification checklist (e.g. "submit a test in WEB102-HN")."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="checks")
    label = models.CharField(max_length=300)
    group = models.CharField(max_length=100, blank=True, help_text="The impact group it covers.")
    done = models.BooleanField(default=False)
    result = models.TextField(blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label
