"""Email subscriptions to the status page: who hears of public updates, for which parts."""

from django.db import models
from django.utils import timezone

from opsdesk.accounts.models import Language
from opsdesk.incidents.models import Component


class Subscription(models.Model):
    """A confirmed address that is emailed each public update of an incident naming one of
    its components (or of any incident, when it names none). Only confirmed addresses are
    stored: a request waits in its signed confirmation link, not here."""

    email = models.EmailField(unique=True)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    components = models.ManyToManyField(Component, blank=True, related_name="subscriptions")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email
