"""SLA policies, working-hour calendars, and the clocks and events of each ticket."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.models import Team
from opsdesk.tickets.models import Cos, Ticket

from .hours import WorkingHours


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not a time zone (e.g. Asia/Ho_Chi_Minh).") from exc


def validate_work_days(value: str) -> None:
    days = [d.strip() for d in value.split(",") if d.strip()]
    if not days or any(d not in "0123456" or len(d) != 1 for d in days):
        raise ValidationError("Working days are numbers 0 (Monday) to 6 (Sunday), comma-separated.")


class BusinessCalendar(models.Model):
    """Working hours and holidays for business-hours SLA targets."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="Asia/Ho_Chi_Minh",
                                 validators=[validate_time_zone])
    work_days = models.CharField(max_length=20, default="0,1,2,3,4",
                                 validators=[validate_work_days],
                                 help_text="0 is Monday, 6 is Sunday.")
    opens = models.TimeField(default="08:00")
    closes = models.TimeField(default="17:00")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.opens >= self.closes:
            raise ValidationError({"closes": "Must be later than the opening time."})

    def working_hours(self) -> WorkingHours:
        return WorkingHours(
            always_open=False,
            zone=ZoneInfo(self.time_zone),
            days=frozenset(int(d) for d in self.work_days.split(",") if d.strip()),
            opens=self.opens,
            closes=self.closes,
            holidays=frozenset(self.holidays.values_list("date", flat=True)),
        )


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE,
                                 related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"],
                                               name="holiday_unique_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Target(models.TextChoices):
    INTAKE = "intake", _("Intake")
    ACK = "ack", _("Acknowledge")
    UPDATE = "update", _("Update")
    ESCALATION = "escalation", _("Escalation")
    RESOLVE = "resolve", _("Resolve")


class SlaPolicy(models.Model):
    """Targets for tickets of one Class of Service, optionally narrowed by team or tag.

    Policies are tried in `position` order; the first that matches a ticket applies.
    A target left empty means the ticket has no such clock.
    """

    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    cos = models.CharField(max_length=20, choices=Cos.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE)
    tag = models.CharField(max_length=64, blank=True)
    intake_minutes = models.PositiveIntegerField(null=True, blank=True)
    ack_minutes = models.PositiveIntegerField(null=True, blank=True)
    update_minutes = models.PositiveIntegerField(null=True, blank=True)
    escalation_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolve_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolve_by_due_date = models.BooleanField(
        default=False, help_text="Resolve by the ticket's requested date (Fixed Date)."
    )
    calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.PROTECT,
        help_text="Business hours; empty means calendar time (24/7).",
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    pause_update_when_waiting_on = models.CharField(
        max_length=100, default="customer", blank=True,
        help_text="Waiting reasons that pause the update clock, comma-separated.",
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def minutes_for(self, target: str) -> int | None:
        value: int | None = getattr(self, f"{target}_minutes")
        return value

    def working_hours(self) -> WorkingHours:
        """The policy's working time, computed once per loaded policy (holidays included)."""
        hours: WorkingHours | None = self.__dict__.get("_hours")
        if hours is None:
            hours = self.calendar.working_hours() if self.calendar else WorkingHours()
            self.__dict__["_hours"] = hours
        return hours

    def pauses_update_on(self, waiting_reason: str) -> bool:
        reasons = {r.strip() for r in self.pause_update_when_waiting_on.split(",")}
        return waiting_reason in reasons


class ClockStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class SlaClock(models.Model):
    """One target's clock on one ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks")
    target = models.CharField(max_length=20, choices=Target.choices)
    policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=ClockStatus.choices,
                              default=ClockStatus.RUNNING)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True)
    warn_at = models.DateTimeField(null=True)
    warned_at = models.DateTimeField(null=True)
    met_at = models.DateTimeField(null=True)
    breached_at = models.DateTimeField(null=True, help_text="First breach; kept once set.")
    paused_at = models.DateTimeField(null=True)
    remaining_seconds = models.FloatField(null=True, help_text="Working time left when paused.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target"], name="sla_clock_one_per_target")
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="running"),
                         name="sla_clock_running_due"),
            models.Index(fields=["warn_at"], condition=Q(status="running", warned_at=None),
                         name="sla_clock_running_warn"),
            models.Index(fields=["status", "ticket"], name="sla_clock_status_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.target} clock of ticket {self.ticket_id}"


class SlaEventKind(models.TextChoices):
    STARTED = "started", "Started"
    PAUSED = "paused", "Paused"
    RESUMED = "resumed", "Resumed"
    MET = "met", "Met"
    WARNED = "warned", "Warned"
    BREACHED = "breached", "Breached"
    RETIMED = "retimed", "Re-timed"
    CANCELLED = "cancelled", "Cancelled"


class SlaEvent(models.Model):
    """Every change of a clock, so reports and audits can rebuild it."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="events")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_events")
    target = models.CharField(max_length=20, choices=Target.choices)
    kind = models.CharField(max_length=20, choices=SlaEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="sla_event_ticket_at")]

    def __str__(self) -> str:
        return f"{self.target} {self.kind}"
