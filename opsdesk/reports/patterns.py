"""Recurring patterns: the period's tickets grouped into clusters of the same request.

Two tickets of the period are in one cluster when the duplicate check found one to be a
likely duplicate of the other (the pairs are kept after the tickets close), directly or
through other tickets of the cluster.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import F

from opsdesk.duplicates.models import DuplicateCandidate
from opsdesk.tickets.models import ImpactGroup, Ticket

from .periods import Period
from .services import created_in, share_of


@dataclass(frozen=True)
class Cluster:
    label: str  # the title of its first ticket
    ticket_ids: list[int]
    users_affected: int
    time_spent_minutes: int
    share: float

    @property
    def count(self) -> int:
        return len(self.ticket_ids)


@dataclass(frozen=True)
class Patterns:
    period: Period
    total: int
    repeats: int  # tickets that repeat an earlier ticket of their cluster, in every cluster
    clusters: list[Cluster] = field(default_factory=list)

    @property
    def duplicate_rate(self) -> float:
        """The share of the period's tickets that repeat an earlier ticket of their cluster."""
        return share_of(self.repeats, self.total)


@dataclass(frozen=True)
class _Ticket:
    title: str
    affected_users: int
    time_spent_minutes: int


def patterns(*, period: Period, limit: int = 20) -> Patterns:
    """The period's clusters of likely duplicates, largest first (at most `limit` listed)."""
    total = created_in(period).count()
    within = {"ticket__created_at__gte": period.starts, "ticket__created_at__lt": period.ends,
              "candidate__created_at__gte": period.starts,
              "candidate__created_at__lt": period.ends}
    pairs = DuplicateCandidate.objects.filter(ticket_id__lt=F("candidate_id"), **within)
    groups = [sorted(ids) for ids in _connected(pairs.values_list("ticket_id", "candidate_id"))]
    clustered = [pk for ids in groups for pk in ids]
    tickets = {pk: _Ticket(title, users, minutes) for pk, title, users, minutes in
               Ticket.objects.filter(pk__in=clustered).values_list(
                   "pk", "title", "affected_users", "time_spent_minutes")}
    users = _users_affected(clustered, tickets)
    clusters = [Cluster(label=tickets[ids[0]].title, ticket_ids=ids,
                        users_affected=users(ids),
                        time_spent_minutes=sum(tickets[pk].time_spent_minutes for pk in ids),
                        share=share_of(len(ids), total)) for ids in groups]
    clusters.sort(key=lambda c: (-c.count, -c.users_affected, c.ticket_ids[0]))
    return Patterns(period=period, total=total, repeats=sum(c.count - 1 for c in clusters),
                    clusters=clusters[:limit])


def _connected(pairs: Iterable[tuple[int, int]]) -> list[set[int]]:
    """The connected groups of tickets the pairs link (union-find)."""
    parent: dict[int, int] = {}

    def root(pk: int) -> int:
        parent.setdefault(pk, pk)
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[int, set[int]] = defaultdict(set)
    for pk in parent:
        groups[root(pk)].add(pk)
    return list(groups.values())


def _users_affected(clustered: list[int],
                    tickets: dict[int, _Ticket]) -> Callable[[list[int]], int]:
    """How many people a cluster's tickets reached: reports of one outage name the same
    classes, so each class counts once (its largest figure), plus those in no class."""
    by_ticket: dict[int, dict[str, int]] = defaultdict(dict)
    for pk, name, affected in ImpactGroup.objects.filter(ticket_id__in=clustered) \
            .values_list("ticket_id", "name", "affected"):
        by_ticket[pk][name.upper()] = affected

    def count(ids: list[int]) -> int:
        per_class: dict[str, int] = {}
        outside = 0
        for pk in ids:
            for name, affected in by_ticket[pk].items():
                per_class[name] = max(per_class.get(name, 0), affected)
            outside += max(0, tickets[pk].affected_users - sum(by_ticket[pk].values()))
        return sum(per_class.values()) + outside

    return count
