"""Workspace forms: Django validates, and errors show next to their fields."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.models import STAFF_ROLES, Role, Team, User
from opsdesk.communications.models import TemplateKey
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import Cos, Scope, Stage, WaitingReason

MAX_PEOPLE = 10_000_000


class DeskForm(forms.Form):
    """A workspace form: its element ids carry its own prefix, as several forms share a page
    and field names (two `team` fields must not share an id, or labels point wrongly)."""

    id_prefix = "f"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class MessageForm(DeskForm):
    id_prefix = "msg"
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 7}),
                           max_length=100_000)
    template = forms.ChoiceField(required=False, choices=[("", "—"), *TemplateKey.choices],
                                 widget=forms.HiddenInput)


class TemplatePickForm(DeskForm):
    id_prefix = "pick"
    template = forms.ChoiceField(label=_("Start from a template"),
                                 choices=[("", "—"), *TemplateKey.choices], required=False)


class StageForm(DeskForm):
    id_prefix = "stage"
    stage = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    waiting_reason = forms.ChoiceField(label=_("Waiting on"), required=False,
                                       choices=[("", "—"), *WaitingReason.choices])
    root_cause = forms.CharField(label=_("Root cause"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    resolution = forms.CharField(label=_("Resolution"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    lessons = forms.CharField(label=_("Lessons (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    kb_suggestion = forms.CharField(label=_("Knowledge-base suggestion (optional)"),
                                    required=False)
    waive_verification = forms.CharField(label=_("Resolve without verification: why"),
                                         required=False)


def parse_groups(text: str) -> list[tuple[str, int]]:
    """'WEB102-HN: 20' per line → [(name, count)]; a bad line is a clear error."""
    groups: list[tuple[str, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, _sep, count = line.rpartition(":")
        if not name.strip() or not count.strip().isdecimal():
            raise forms.ValidationError(
                _("Line %(n)s: write a class and a number, like “WEB102-HN: 20”."),
                params={"n": number})
        groups.append((name.strip(), int(count)))
    if len({n for n, _ in groups}) != len(groups):
        raise forms.ValidationError(_("Each class once, please."))
    return groups


class ImpactForm(DeskForm):
    id_prefix = "impact"
    affected_users = forms.IntegerField(label=_("Affected users"), min_value=0,
                                        max_value=MAX_PEOPLE)
    groups = forms.CharField(label=_("Affected classes (one per line, “NAME: count”)"),
                             required=False, widget=forms.Textarea(attrs={"rows": 3}))
    blocking = forms.BooleanField(label=_("Blocking: work cannot continue"), required=False)
    critical_function = forms.BooleanField(label=_("A critical function is affected"),
                                           required=False)
    critical_function_label = forms.CharField(label=_("Which function"), required=False,
                                              max_length=200)
    failure_rate = forms.IntegerField(label=_("Failure rate (%)"), min_value=0, max_value=100,
                                      required=False)
    scope = forms.ChoiceField(label=_("Scope"), required=False,
                              choices=[("", "—"), *Scope.choices])

    def clean_groups(self) -> list[tuple[str, int]]:
        return parse_groups(self.cleaned_data["groups"])


def impact_from(data: dict[str, Any]) -> Impact:
    """The Impact a valid impact form describes (failure rate given in %)."""
    rate = data["failure_rate"]
    return Impact(
        affected_users=data["affected_users"], groups=data["groups"],
        blocking=data["blocking"], critical_function=data["critical_function"],
        critical_function_label=data["critical_function_label"],
        failure_rate=rate / 100 if rate is not None else None, scope=data["scope"],
    )


class AssignForm(DeskForm):
    id_prefix = "assign"
    assignee = forms.ModelChoiceField(label=_("Assignee"), required=False,
                                      queryset=User.objects.filter(
                                          role__in=STAFF_ROLES, is_active=True).exclude(
                                          role=Role.SYSTEM).order_by("name"))
    team = forms.ModelChoiceField(label=_("Team"), required=False,
                                  queryset=Team.objects.order_by("name"))


class CosForm(DeskForm):
    id_prefix = "cos"
    cos = forms.ChoiceField(label=_("Class of Service"), choices=Cos.choices)
    reason = forms.CharField(label=_("Why (kept with the decision)"), max_length=500)


class EscalationForm(DeskForm):
    id_prefix = "esc"
    team = forms.ModelChoiceField(label=_("Escalate to"), queryset=Team.objects.order_by("name"))
    impact_summary = forms.CharField(label=_("Impact"), widget=forms.Textarea(attrs={"rows": 2}))
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 2}))
    hypothesis = forms.CharField(label=_("Hypothesis"), widget=forms.Textarea(attrs={"rows": 2}))
    workaround_status = forms.CharField(label=_("Workaround status"))
    ask = forms.CharField(label=_("The ask"), help_text=_("temporary fix / permanent fix / "
                                                         "information"))
    update_cadence_minutes = forms.IntegerField(label=_("Update cadence (minutes)"),
                                                min_value=1, max_value=1440, initial=15)


def initial_impact(ticket: Any) -> dict[str, Any]:
    """The impact form filled from the ticket."""
    return {
        "affected_users": ticket.affected_users,
        "groups": "\n".join(f"{g.name}: {g.affected}" for g in ticket.impact_groups.all()),
        "blocking": ticket.blocking, "critical_function": ticket.critical_function,
        "critical_function_label": ticket.critical_function_label,
        "failure_rate": round(ticket.failure_rate * 100) if ticket.failure_rate is not None
        else None,
        "scope": ticket.scope,
    }
