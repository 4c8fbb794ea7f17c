"""Where the outside systems are and how to reach them: one admin-editable row per connector."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .hr.client import HrClient
from .lms.client import LmsClient
from .transport import base_url_problem


class ConnectorKind(models.TextChoices):
    HR = "hr", "HR directory"
    LMS = "lms", "LMS admin API"


def validate_base_url(value: str) -> None:
    problem = base_url_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_base_url")


class ConnectorConfig(models.Model):
    """The base URL, token, time-out and retries of one outside system's API."""

    kind = models.CharField(max_length=10, choices=ConnectorKind.choices)
    name = models.CharField(max_length=100, unique=True,
                            help_text="e.g. “Campus HR directory (production)”.")
    base_url = models.CharField(
        max_length=500, validators=[validate_base_url],
        help_text="http:// or https:// address of the API, e.g. https://hr.example.edu.vn/api.",
    )
    token = models.CharField(max_length=500, blank=True,
                             help_text="Sent as “Authorization: Bearer …”; empty sends none.")
    timeout_seconds = models.FloatField(
        default=5.0, validators=[MinValueValidator(0.1), MaxValueValidator(120)],
        help_text="How long to wait for an answer, per attempt.",
    )
    retries = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(10)],
        help_text="Further attempts after a time-out, a refused connection, 408, 429 or 5xx.",
    )
    enabled = models.BooleanField(default=True, help_text="One enabled connector per kind.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "connector"
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(enabled=True),
                                    name="connector_one_enabled_per_kind",
                                    violation_error_message="Another connector of this kind "
                                    "is enabled: disable it first."),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def client(self) -> HrClient | LmsClient:
        """The client this row describes."""
        cls = HrClient if self.kind == ConnectorKind.HR else LmsClient
        return cls(self.base_url, self.token, self.timeout_seconds, retries=self.retries)
