"""Workspace forms for incidents: open, update, resolve, change, link tickets by number."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.models import STAFF_ROLES, Role, User
from opsdesk.incidents.models import ACTIVE_STATUSES, Incident, IncidentStatus
from opsdesk.tickets.models import Cos, Ticket

from .forms import DeskForm

ACTIVE_CHOICES = [(s.value, s.label) for s in IncidentStatus if s in ACTIVE_STATUSES]
MAX_LINKED_AT_ONCE = 200
TICKET_NUMBER = re.compile(r"^#?0*(\d{1,9})$")


def names(text: str) -> list[str]:
    """'LMS · exams, Video' or one per line → ['LMS · exams', 'Video']."""
    return [n.strip() for n in re.split(r"[,\n]", text or "") if n.strip()]


def ticket_numbers(text: str) -> list[int]:
    """'#00042, 43 44' → [42, 43, 44]; anything else is a clear error."""
    numbers = []
    for word in re.split(r"[\s,;]+", text.strip()):
        if not word:
            continue
        found = TICKET_NUMBER.match(word)
        if found is None or int(found.group(1)) == 0:
            raise forms.ValidationError(
                _("“%(word)s” is not a ticket number (write them like #00042 or 42)."),
                params={"word": word})
        numbers.append(int(found.group(1)))
    if not numbers:
        raise forms.ValidationError(_("Write at least one ticket number."))
    if len(numbers) > MAX_LINKED_AT_ONCE:
        raise forms.ValidationError(_("At most %(n)s tickets at once."),
                                    params={"n": MAX_LINKED_AT_ONCE})
    return list(dict.fromkeys(numbers))


def staff_choices() -> Any:
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True) \
        .exclude(role=Role.SYSTEM).order_by("name")


class OpenIncidentForm(DeskForm):
    id_prefix = "open"
    title = forms.CharField(label=_("Title"), max_length=300)
    cos = forms.ChoiceField(label=_("Class of Service"), required=False,
                            choices=[("", _("from its tickets")), *Cos.choices])
    components = forms.CharField(label=_("Affected components (comma-separated)"),
                                 required=False, max_length=2000)
    groups = forms.CharField(label=_("Affected groups (comma-separated class codes)"),
                             required=False, max_length=2000)
    summary = forms.CharField(label=_("What is wrong (for the desk)"), required=False,
                              max_length=10_000, widget=forms.Textarea(attrs={"rows": 2}))
    from_ticket = forms.IntegerField(required=False, widget=forms.HiddenInput,
                                     min_value=1, max_value=2**31 - 1)

    def clean_components(self) -> list[str]:
        return names(self.cleaned_data["components"])

    def clean_groups(self) -> list[str]:
        return names(self.cleaned_data["groups"])


class UpdateForm(DeskForm):
    id_prefix = "upd"
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("unchanged")), *ACTIVE_CHOICES])
    body = forms.CharField(label=_("Update (English)"), max_length=20_000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    body_vi = forms.CharField(label=_("Update (Vietnamese, optional)"), required=False,
                              max_length=20_000, widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(
        label=_("Who sees it"), initial="public", widget=forms.RadioSelect,
        choices=[("public", _("Public update: status page, banner, linked requesters")),
                 ("internal", _("Internal note: the desk only"))])
    notify = forms.BooleanField(label=_("Send to all linked requesters"), required=False,
                                initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("visibility") == "internal" and data.get("status"):
            self.add_error("status", _("A status change is public: post it as an update."))
        return data


class ResolveForm(DeskForm):
    id_prefix = "res"
    resolution = forms.CharField(label=_("Resolution (English)"), max_length=20_000,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    resolution_vi = forms.CharField(label=_("Resolution (Vietnamese, optional)"),
                                    required=False, max_length=20_000,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    root_cause = forms.CharField(label=_("Root cause"), required=False, max_length=20_000,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    notify = forms.BooleanField(label=_("Send the resolution to all linked requesters"),
                                required=False, initial=True)


class ChangeForm(DeskForm):
    id_prefix = "chg"
    title = forms.CharField(label=_("Title"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner (incident commander)"), required=False,
                                   queryset=staff_choices(), empty_label=_("nobody"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("unchanged")), *ACTIVE_CHOICES])
    cos = forms.ChoiceField(label=_("Class of Service"), choices=Cos.choices)
    cos_reason = forms.CharField(label=_("Why this class (needed to change it)"),
                                 required=False, max_length=500)
    components = forms.CharField(label=_("Affected components (comma-separated)"),
                                 required=False, max_length=2000)
    groups = forms.CharField(label=_("Affected groups (comma-separated class codes)"),
                             required=False, max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_components(self) -> list[str]:
        return names(self.cleaned_data["components"])

    def clean_groups(self) -> list[str]:
        return names(self.cleaned_data["groups"])


def change_initial(incident: Incident) -> dict[str, Any]:
    return {"title": incident.title, "owner": incident.owner_id, "cos": incident.cos,
            "status": incident.status if incident.is_active else "",
            "components": ", ".join(c.name for c in incident.components.all()),
            "groups": ", ".join(incident.groups), "version": incident.version}


class LinkNumbersForm(DeskForm):
    id_prefix = "link"
    tickets = forms.CharField(label=_("Ticket numbers"), max_length=5000,
                              help_text=_("e.g. #00042, 43 44"))

    def clean_tickets(self) -> list[int]:
        return ticket_numbers(self.cleaned_data["tickets"])


class ChooseIncidentForm(DeskForm):
    """Link tickets picked in the queue (or this ticket) to one active incident."""

    id_prefix = "pick"
    incident = forms.ModelChoiceField(
        label=_("Incident"), empty_label=_("choose an active incident"),
        queryset=Incident.objects.filter(status__in=ACTIVE_STATUSES).order_by("-opened_at"))
    ticket = forms.ModelMultipleChoiceField(queryset=Ticket.objects.all(), required=False)


class MergeForm(DeskForm):
    id_prefix = "merge"
    into = forms.CharField(label=_("Merge into ticket"), max_length=20,
                           help_text=_("e.g. #00042"))

    def clean_into(self) -> int:
        numbers = ticket_numbers(self.cleaned_data["into"])
        if len(numbers) != 1:
            raise forms.ValidationError(_("Name one ticket."))
        return numbers[0]
