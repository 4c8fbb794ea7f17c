"""What a rule definition may say, and the clear refusal when it says something else.

Conditions and actions are JSON lists (see conditions.py and actions.py). Every problem
is reported with the path of what is wrong, e.g. ``actions[1].team: no team named 'Ops'``.
"""

from collections.abc import Callable
from typing import Any

from opsdesk.accounts.models import Team, User


class DefinitionError(Exception):
    """One thing wrong in a rule definition, at `path` (``conditions[0].op``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def team_named(name: str) -> Team | None:
    return Team.objects.filter(name__iexact=name.strip()).first()


def staff_with_email(email: str) -> User | None:
    user = User.objects.filter(email__iexact=email.strip()).first()
    return user if user is not None and user.is_desk_staff else None


def check_team(value: Any) -> str | None:
    """A team name that exists (None: no team)."""
    if value is None:
        return None
    if not isinstance(value, str) or team_named(value) is None:
        raise ValueError(f"no team named {value!r}")
    return value


def check_staff(value: Any) -> str | None:
    """The email of a desk staff member (None: nobody)."""
    if value is None:
        return None
    if not isinstance(value, str) or staff_with_email(value) is None:
        raise ValueError(f"{value!r} is not the email of a desk staff member")
    return value


def check_list(path: str, raw: Any, what: str, check: Callable[[str, Any], None]) -> list[
        DefinitionError]:
    """Run `check(path_of_item, item)` over a JSON list; the problems found, in order."""
    if not isinstance(raw, list):
        return [DefinitionError(path, f"{what} must be a list")]
    problems = []
    for i, item in enumerate(raw):
        try:
            check(f"{path}[{i}]", item)
        except DefinitionError as exc:
            problems.append(exc)
    return problems


def unknown_keys(path: str, raw: dict[str, Any], allowed: set[str] | frozenset[str]) -> None:
    extra = sorted(set(raw) - set(allowed))
    if extra:
        raise DefinitionError(f"{path}.{extra[0]}",
                              f"unknown key {extra[0]!r}; use {', '.join(sorted(allowed))}")
