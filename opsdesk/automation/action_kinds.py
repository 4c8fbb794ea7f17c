"""Every kind of rule action, declared once, and the checks of a rule's actions."""

from typing import Any

from opsdesk.playbooks.rule_action import RUN_PLAYBOOK

from .actions import ADD_NOTE, ADD_TAG, NOTIFY, SEND_TEMPLATE, SET_FIELD, ActionKind, Spec
from .definition import DefinitionError, check_list, unknown_keys

ACTIONS: dict[str, ActionKind] = {kind.name: kind for kind in (
    SET_FIELD, ADD_TAG, SEND_TEMPLATE, ADD_NOTE, NOTIFY, RUN_PLAYBOOK)}


def validate_actions(raw: Any) -> list[DefinitionError]:
    """Every problem in a rule's actions, each naming where it is."""
    if isinstance(raw, list) and not raw:
        return [DefinitionError("actions", "a rule needs at least one action")]
    return check_list("actions", raw, "actions", _validate)


def _validate(path: str, raw: Any) -> None:
    if not isinstance(raw, dict):
        raise DefinitionError(path, 'an action is an object such as '
                              '{"action": "add_tag", "tag": "login"}')
    kind = ACTIONS.get(raw.get("action"))  # type: ignore[arg-type]
    if kind is None:
        raise DefinitionError(f"{path}.action", f"unknown action {raw.get('action')!r}; "
                              f"use {', '.join(sorted(ACTIONS))}")
    unknown_keys(path, raw, kind.keys | {"action"})
    try:
        kind.validate(raw)
    except DefinitionError as exc:
        raise DefinitionError(f"{path}.{exc.path}", exc.message) from exc


def describe(spec: Spec) -> str:
    kind = ACTIONS.get(spec.get("action", ""))
    return kind.describe(spec) if kind else f"unknown action {spec.get('action')!r}"
