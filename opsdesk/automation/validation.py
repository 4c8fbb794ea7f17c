"""Checking a whole rule definition (its trigger, conditions and actions) at once."""

from typing import Any

from .action_kinds import validate_actions
from .conditions import validate_conditions
from .definition import DefinitionError


def problems_in(*, trigger: str, conditions: Any, actions: Any) -> list[DefinitionError]:
    """Everything wrong with this definition, in order; empty when it may be stored."""
    return [*validate_conditions(conditions, trigger), *validate_actions(actions)]
