"""Forms of the automation pages: a rule, "what would happen", running a playbook."""

import json
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opsdesk.automation.models import Rule, Trigger
from opsdesk.tickets.models import Ticket

from .forms import DeskForm

CONDITIONS_HELP = _('A JSON list; every condition must hold. Example: [{"field": "text", '
                    '"op": "contains", "value": ["log in", "đăng nhập"], '
                    '"ignore_accents": true}]')
ACTIONS_HELP = _('A JSON list, run in order. Example: [{"action": "add_tag", "tag": "login"}, '
                 '{"action": "run_playbook", "playbook": "login_recovery"}]')


def json_list(text: str, *, required: bool) -> list[Any]:
    """A JSON list typed in a text box; a clear error otherwise."""
    if not text.strip():
        if required:
            raise forms.ValidationError(_("At least one is needed."))
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise forms.ValidationError(
            _("Not valid JSON: %(error)s (line %(line)s, column %(column)s)."),
            params={"error": exc.msg, "line": exc.lineno, "column": exc.colno}) from exc
    if not isinstance(value, list):
        raise forms.ValidationError(_("Write a list: [ … ]."))
    return value


class RuleForm(DeskForm):
    id_prefix = "rule"
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)
    conditions = forms.CharField(label=_("If (conditions)"), required=False,
                                 help_text=CONDITIONS_HELP,
                                 widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}))
    actions = forms.CharField(label=_("Then (actions)"), help_text=ACTIONS_HELP,
                              widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}))
    stop_processing = forms.BooleanField(label=_("When it matches, later rules do not run"),
                                         required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    repeat_after_minutes = forms.IntegerField(
        label=_("Scheduled rules: at most once per ticket every (minutes)"), min_value=1,
        initial=60)

    def clean_conditions(self) -> list[Any]:
        return json_list(self.cleaned_data["conditions"], required=False)

    def clean_actions(self) -> list[Any]:
        return json_list(self.cleaned_data["actions"], required=True)


def rule_initial(rule: Rule) -> dict[str, Any]:
    """The rule form filled from a stored rule."""
    fields = ("name", "description", "trigger", "stop_processing", "enabled",
              "repeat_after_minutes")
    return {**{f: getattr(rule, f) for f in fields},
            "conditions": json.dumps(rule.conditions, ensure_ascii=False, indent=1),
            "actions": json.dumps(rule.actions, ensure_ascii=False, indent=1)}


def ticket_by_ref(text: str) -> Ticket:
    """The ticket of a reference as people type it: "#00042", "00042" or "42"."""
    digits = text.strip().lstrip("#").strip()
    ticket = Ticket.objects.filter(pk=int(digits)).first() if digits.isdecimal() else None
    if ticket is None:
        raise forms.ValidationError(_("No ticket %(ref)s."), params={"ref": text.strip()})
    return ticket


class RuleTestForm(DeskForm):
    id_prefix = "test"
    rule = forms.ModelChoiceField(label=_("Rule"), queryset=Rule.objects.order_by(
        "trigger", "position", "id"), empty_label=None)
    ticket = forms.CharField(label=_("Ticket reference"), max_length=20,
                             help_text=_("For example #00042"))

    def clean_ticket(self) -> Ticket:
        return ticket_by_ref(self.cleaned_data["ticket"])


class PlaybookRunForm(DeskForm):
    id_prefix = "playbook"
    playbook = forms.ChoiceField(label=_("Playbook"), choices=())
    mode = forms.ChoiceField(choices=[("run", "run"), ("dry_run", "dry run")],
                             widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from opsdesk.playbooks.catalog import PLAYBOOKS

        super().__init__(*args, **kwargs)
        field = self.fields["playbook"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(p.name, gettext(p.title))
                         for p in sorted(PLAYBOOKS.values(), key=lambda p: p.title)]
