"""Template pieces of the automation views: run outcomes in words, JSON, retry buttons."""

import json
from typing import Any

from django import template
from django.utils.translation import gettext as _

from opsdesk.playbooks import catalog, runner

register = template.Library()


@register.filter
def result_label(run: Any) -> str:
    """What a run came to: a playbook's result (resolved, escalated…), else its outcome."""
    outcome = run.result.get("outcome") if run.kind == runner.KIND else None
    if run.outcome == "failed" and outcome == "escalated":  # an outside system failed
        return _("failed; escalated to an engineer")
    return outcome_label(str(outcome or run.outcome))


@register.filter
def outcome_label(outcome: str) -> str:
    """A run outcome (matched, failed…) or a playbook result (resolved…), in words."""
    from opsdesk.automation.models import RunOutcome

    labels = {"resolved": _("resolved"), "escalated": _("escalated to an engineer"),
              "skipped": _("skipped"), "failed": _("failed"), "running": _("running")}
    if outcome in labels:
        return labels[outcome]
    return str(RunOutcome(outcome).label) if outcome in RunOutcome.values else outcome


@register.filter
def playbook_title(name: str) -> str:
    found = catalog.PLAYBOOKS.get(name)
    return _(found.title) if found else name


@register.filter
def retryable(run: Any) -> bool:
    return runner.retryable(run)


@register.filter
def as_json(value: Any) -> str:
    """Step input or output, readable: "—" when empty."""
    if not value:
        return "—"
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@register.simple_tag
def playbook_form() -> Any:
    from opsdesk.web.automation_forms import PlaybookRunForm

    return PlaybookRunForm()
