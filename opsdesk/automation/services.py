"""Changing automation rules: only managers and admins, and only valid definitions."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import Role, User
from opsdesk.core.errors import Forbidden, InvalidInput

from .models import Rule
from .validation import problems_in

RULE_FIELDS = ("name", "description", "position", "enabled", "trigger", "conditions", "actions",
               "stop_processing", "repeat_after_minutes")


def require_rule_editor(user: User) -> None:
    if user.role not in (Role.MANAGER, Role.ADMIN):
        raise Forbidden("Only managers and admins create or change automation rules.")


def create_rule(*, actor: User, **fields: Any) -> Rule:
    """Add a rule; a definition that does not validate is refused and nothing is stored."""
    require_rule_editor(actor)
    return _save(Rule(**fields, created_by=actor))


def change_rule(*, rule: Rule, actor: User, **changes: Any) -> Rule:
    """Change some of a rule's fields; the whole definition must still validate."""
    require_rule_editor(actor)
    for name, value in changes.items():
        if name not in RULE_FIELDS:
            raise InvalidInput(f"A rule has no field {name!r}.", fields={name: "unknown"})
        setattr(rule, name, value)
    return _save(rule)


def delete_rule(*, rule: Rule, actor: User) -> None:
    """Remove a rule; its runs stay, under the rule's name."""
    require_rule_editor(actor)
    rule.delete()


def _save(rule: Rule) -> Rule:
    problems = problems_in(trigger=rule.trigger, conditions=rule.conditions, actions=rule.actions)
    if problems:
        raise InvalidInput("The rule is not valid: " + "; ".join(map(str, problems)) + ".",
                           fields={p.path: p.message for p in problems})
    try:
        rule.clean_fields(exclude=["created_by"])
    except ValidationError as exc:
        raise InvalidInput("The rule is not valid.",
                           fields={k: " ".join(v) for k, v in exc.message_dict.items()}) from exc
    rule.updated_at = timezone.now()
    with transaction.atomic():
        rule.save()
    return rule
