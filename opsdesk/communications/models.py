"""Message templates, the notification fan-out per Class of Service, and ratings."""

from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.template import TemplateSyntaxError, engines
from django.utils import timezone

from opsdesk.accounts.models import Language, Team
from opsdesk.tickets.models import Cos, Ticket


class TemplateKey(models.TextChoices):
    ACK = "ack", "Acknowledgement"
    UPDATE = "update", "Update"
    ESCALATION = "escalation", "Escalation"
    DEV_ALERT = "dev_alert", "Dev team alert"
    MANAGER_NOTICE = "manager_notice", "Manager notice"
    RESOLUTION = "resolution", "Resolution"
    CLOSURE = "closure", "Closure"
    RATING_REQUEST = "rating_request", "Rating request"
    INCIDENT_UPDATE = "incident_update", "Incident update"
    INCIDENT_RESOLUTION = "incident_resolution", "Incident resolution"


@lru_cache(maxsize=512)
def compile_template(source: str) -> Any:
    """A plain-text Django template (no HTML escaping), compiled once per text."""
    return engines["django"].from_string("{% autoescape off %}" + source + "{% endautoescape %}")


def check_template_fields(instance: models.Model, names: tuple[str, ...]) -> None:
    """Refuse template text that does not compile, naming the field."""
    for name in names:
        try:
            compile_template(getattr(instance, name))
        except TemplateSyntaxError as exc:
            raise ValidationError({name: f"Template error: {exc}"}) from exc


class MessageTemplate(models.Model):
    """Text for one kind of message, in one language, optionally for one Class of Service."""

    key = models.CharField(max_length=20, choices=TemplateKey.choices)
    language = models.CharField(max_length=5, choices=Language.choices)
    cos = models.CharField(max_length=20, choices=Cos.choices, blank=True,
                           help_text="Empty: any Class of Service.")
    subject = models.CharField(max_length=300)
    body = models.TextField(help_text="Django template syntax: {{ ref }}, {{ title }}, "
                            "{{ cos }}, {{ affected_groups }}, {{ workaround }}, "
                            "{{ next_update_at }}, {{ ack_due }}, {{ agent_name }}, …")
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "language", "cos"]
        constraints = [models.UniqueConstraint(fields=["key", "language", "cos"],
                                               name="template_unique_key_language_cos")]

    def __str__(self) -> str:
        return f"{self.get_key_display()} ({self.language}{', ' + self.cos if self.cos else ''})"

    def clean(self) -> None:
        check_template_fields(self, ("subject", "body"))


class FanoutPolicy(models.Model):
    """Who is told, in one step, when a ticket is classified into a Class of Service."""

    cos = models.CharField(max_length=20, choices=Cos.choices, unique=True)
    enabled = models.BooleanField(default=True)
    send_ack = models.BooleanField(default=True, help_text="ACK template to the requester.")
    notify_managers = models.BooleanField(default=False, help_text="Manager notice.")
    alert_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL,
                                   help_text="Team that gets the dev alert.")

    class Meta:
        verbose_name_plural = "fan-out policies"

    def __str__(self) -> str:
        return f"Fan-out for {self.get_cos_display()}"


class Rating(models.Model):
    """The requester's satisfaction with a closed ticket."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1),
                                                         MaxValueValidator(5)])
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.score}/5 for ticket {self.ticket_id}"
