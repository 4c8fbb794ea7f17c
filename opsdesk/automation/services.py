"""Changing automation rules: only managers and admins, and only valid definitions."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import Role, User
from opsdesk.core.config_cache import clear_config_cache
from opsdesk.core.errors import Forbidden, InvalidInput
from opsdesk.tickets.models import Message, MessageKind, Ticket

from .models import AutomationRun, Rule, Trigger
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
    if set(changes) == {"enabled"} and not rule.enabled:  # a broken rule can still be stopped
        rule.updated_at = timezone.now()
        rule.save(update_fields=["enabled", "updated_at"])
        return rule
    return _save(rule)


def move_rule(*, rule: Rule, actor: User, by: int) -> Rule:
    """Move a rule `by` places among its trigger's rules (-1: one earlier), renumbering them."""
    require_rule_editor(actor)
    with transaction.atomic():
        rules = list(Rule.objects.select_for_update().filter(trigger=rule.trigger)
                     .order_by("position", "id"))
        index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
        rules.insert(max(0, min(len(rules) - 1, index + by)), rules.pop(index))
        now = timezone.now()
        for position, each in enumerate(rules, start=1):
            if each.position != position:
                Rule.objects.filter(pk=each.pk).update(position=position, updated_at=now)
    clear_config_cache()  # `update` sends no post_save
    rule.refresh_from_db()
    return rule


def delete_rule(*, rule: Rule, actor: User) -> None:
    """Remove a rule; its runs stay, under the rule's name."""
    require_rule_editor(actor)
    rule.delete()


def what_would_happen(*, ticket: Ticket, rules: list[Rule], trigger: str, actor: User,
                      sla_target: str | None = None) -> list[AutomationRun]:
    """Dry runs of these rules on the ticket as if `trigger` happened now; nothing changes."""
    from .engine import rehearse

    message = None
    if trigger == Trigger.MESSAGE_RECEIVED:  # as if the requester's latest reply just came in
        message = (Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY,
                                          author__role=Role.REQUESTER)
                   .order_by("-created_at", "-id").first())
    return rehearse(ticket=ticket, rules=rules, trigger=trigger, actor=actor, message=message,
                    extra={"sla_target": sla_target} if sla_target else None)


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
