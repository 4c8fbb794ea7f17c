"""A ticket's impact: the facts classification reads, stored fields and groups, a summary."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opsdesk.core.errors import InvalidInput
from opsdesk.core.prefetch import remember_related

from .classification import ImpactFacts
from .models import ImpactGroup, Ticket


@dataclass(frozen=True)
class Impact:
    """Impact as a caller states it; None leaves the stored value as it is."""

    affected_users: int | None = None
    groups: Sequence[tuple[str, int]] | None = None
    blocking: bool | None = None
    critical_function: bool | None = None
    critical_function_label: str | None = None
    failure_rate: float | None = None
    scope: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> "Impact | None":
        """The impact in API.md's shape (`critical_function` true or its name, groups as
        `{name, affected}`, scope `system-wide` or `system_wide`); None when not given."""
        if data is None:
            return None
        critical = data.get("critical_function")
        groups = data.get("groups")
        scope = data.get("scope")
        return cls(
            affected_users=data.get("affected_users"),
            groups=[(g["name"], g["affected"]) for g in groups] if groups is not None else None,
            blocking=data.get("blocking"),
            critical_function=bool(critical) if critical is not None else None,
            critical_function_label=critical if isinstance(critical, str) else None,
            failure_rate=data.get("failure_rate"),
            scope=scope.replace("-", "_") if scope else None,
        )


def facts_of(ticket: Ticket, tags: set[str]) -> ImpactFacts:
    return ImpactFacts(
        affected_users=ticket.affected_users,
        blocking=ticket.blocking,
        critical_function=ticket.critical_function,
        critical_function_label=ticket.critical_function_label,
        failure_rate=ticket.failure_rate,
        due_at=ticket.due_at,
        tags=frozenset(tags),
    )


def apply_impact(ticket: Ticket, impact: Impact) -> None:
    if impact.affected_users is not None:
        ticket.affected_users = impact.affected_users
    elif impact.groups and ticket.pk is None:
        ticket.affected_users = max(1, sum(n for _, n in impact.groups))
    for name in ("blocking", "critical_function", "critical_function_label", "scope"):
        value = getattr(impact, name)
        if value is not None:
            setattr(ticket, name, value)
    if impact.failure_rate is not None:
        ticket.failure_rate = impact.failure_rate


def store_groups(ticket: Ticket, groups: Sequence[tuple[str, int]]) -> list[ImpactGroup]:
    """Store the ticket's affected groups; the ticket keeps them, so reading them again
    in the same transaction costs no query."""
    names = [name.strip() for name, _ in groups]
    if any(not n for n in names) or len(set(names)) != len(names):
        raise InvalidInput("Group names must be present and distinct.",
                           fields={"impact.groups": "names must be present and distinct"})
    stored = ImpactGroup.objects.bulk_create(
        ImpactGroup(ticket=ticket, name=name.strip(), affected=count) for name, count in groups
    )
    remember_related(ticket, "impact_groups", stored)
    return stored


def impact_summary(ticket: Ticket, groups_read: Iterable[ImpactGroup] | None = None) -> str:
    """One line describing the ticket's impact (its groups as given, or read now)."""
    parts = [f"{ticket.affected_users} users"]
    read = ticket.impact_groups.all() if groups_read is None else groups_read
    groups = ", ".join(f"{g.name}: {g.affected}" for g in read)
    if groups:
        parts.append(groups)
    if ticket.blocking:
        parts.append("blocking")
    if ticket.critical_function:
        parts.append(f"critical function {ticket.critical_function_label}".strip())
    if ticket.failure_rate is not None:
        parts.append(f"{round(ticket.failure_rate * 100):g} % failing")
    if ticket.scope:
        parts.append(ticket.get_scope_display())
    return "; ".join(parts)
