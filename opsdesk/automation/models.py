"""Automation rules, and the record of every run: each step with its input, output and time."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opsdesk.tickets.models import Ticket


class Trigger(models.TextChoices):
    TICKET_CREATED = "ticket_created", _("Ticket created")
    TICKET_UPDATED = "ticket_updated", _("Ticket updated")
    MESSAGE_RECEIVED = "message_received", _("Message received from the requester")
    SLA_WARNING = "sla_warning", _("SLA about to lapse")
    SCHEDULED = "scheduled", _("Scheduled")


class Rule(models.Model):
    """When something happens to a ticket, if its conditions hold, run its actions.

    Enabled rules of a trigger run in `position` order; one with `stop_processing` that
    matches is the last to run. Conditions and actions are validated JSON lists.
    """

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    conditions = models.JSONField(default=list, blank=True,
                                  help_text='All must hold, e.g. [{"field": "text", "op": '
                                  '"contains", "value": ["login", "đăng nhập"]}].')
    actions = models.JSONField(default=list, help_text='In order, e.g. [{"action": "add_tag", '
                               '"tag": "login"}, {"action": "set_field", "field": "team", '
                               '"value": "Support"}].')
    stop_processing = models.BooleanField(default=False,
                                          help_text="When this rule matches, later rules of "
                                          "the same trigger do not run.")
    repeat_after_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1)],
        help_text="Scheduled rules: act on the same ticket at most once in this many minutes.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["trigger", "position", "id"]
        indexes = [models.Index(fields=["trigger", "enabled", "position"], name="rule_trigger")]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    def clean(self) -> None:
        from .validation import problems_in

        found = problems_in(trigger=self.trigger, conditions=self.conditions,
                            actions=self.actions)
        if found:
            by_list: dict[str, list[str]] = {}
            for problem in found:
                by_list.setdefault(problem.path.split("[")[0].split(".")[0], []).append(
                    str(problem))
            raise ValidationError(by_list)


class RunOutcome(models.TextChoices):
    RUNNING = "running", _("Running")
    MATCHED = "matched", _("Matched")
    NOT_MATCHED = "not_matched", _("Did not match")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class AutomationRun(models.Model):
    """One execution of a rule (or a playbook) on a ticket, recorded step by step.

    A dry run evaluates and records everything but changes nothing.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="automation_runs")
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="runs")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children",
                               help_text="The run that started this one (a rule's playbook).")
    kind = models.CharField(max_length=20, default="rule", help_text="rule or playbook")
    name = models.CharField(max_length=100, help_text="The rule's or playbook's name then.")
    trigger = models.CharField(max_length=20, blank=True)
    dry_run = models.BooleanField(default=False)
    outcome = models.CharField(max_length=30, choices=RunOutcome.choices,
                               default=RunOutcome.RUNNING)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="What was decided and done.")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              help_text="Who ran it: the system, or who asked for a dry run.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    job_id = models.CharField(max_length=64, blank=True, default="",
                              help_text="The background job that ran it, if one did.")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-started_at"], name="run_ticket"),
            models.Index(fields=["rule", "ticket", "started_at"], name="run_rule_ticket"),
        ]

    def __str__(self) -> str:
        return f"{'Dry run' if self.dry_run else 'Run'} of {self.name} on ticket {self.ticket_id}"


class StepKind(models.TextChoices):
    CONDITION = "condition", _("Condition")
    ACTION = "action", _("Action")
    STEP = "step", _("Step")


class AutomationStep(models.Model):
    """One condition checked or action taken (or a playbook step), in order."""

    run = models.ForeignKey(AutomationRun, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=StepKind.choices, default=StepKind.STEP)
    name = models.CharField(max_length=200)
    input = models.JSONField(default=dict, blank=True)
    output = models.JSONField(default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="step_order")]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class ScheduledMark(models.Model):
    """When a scheduled rule last acted on a ticket: it waits `repeat_after_minutes`."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="marks")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    acted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "ticket"], name="mark_once")]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.ticket_id} at {self.acted_at:%Y-%m-%d %H:%M}"
