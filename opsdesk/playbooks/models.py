"""The texts a playbook replies with: one row per reply and language, editable in admin.

The communications app's MessageTemplate keys are a fixed list owned by that app, so a
playbook's replies live here; they are rendered with the same plain-text Django template
engine and the same variables ({{ ref }}, {{ requester_name }}, {{ next_update_at }}, …),
plus what the playbook adds ({{ account_email }}, {{ for_someone_else }}).
"""

from django.db import models
from django.utils import timezone

from opsdesk.accounts.models import Language
from opsdesk.communications.models import check_template_fields


class ReplyKey(models.TextChoices):
    LOGIN_REACTIVATED = "login_reactivated", "Login recovery: account reactivated"
    LOGIN_PASSWORD_RESET = "login_password_reset", "Login recovery: password reset sent"
    LOGIN_ESCALATED = "login_escalated", "Login recovery: an engineer is looking at it"


class ReplyTemplate(models.Model):
    """What a playbook writes to the requester, in one language."""

    key = models.CharField(max_length=40, choices=ReplyKey.choices)
    language = models.CharField(max_length=5, choices=Language.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField(help_text="Django template syntax: {{ ref }}, {{ title }}, "
                            "{{ requester_name }}, {{ agent_name }}, {{ next_update_at }}, "
                            "{{ account_email }}, {% if for_someone_else %}…{% endif %}")
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"],
                                               name="playbook_reply_key_language")]

    def __str__(self) -> str:
        return f"{self.get_key_display()} ({self.language})"

    def clean(self) -> None:
        check_template_fields(self, ("subject", "body"))
