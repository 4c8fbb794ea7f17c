"""Likely duplicates: open tickets that look like the same request, and the index behind them.

Every open ticket's terms (text.py) are rows of IndexedTerm, weighted by how rare they are
among open tickets. A check takes three indexed queries whatever the number of tickets:

1. how many open tickets hold each of the text's terms (its document frequencies);
2. the open tickets sharing its rarest terms, best first (one grouped query, a pool of 25);
3. the terms those few share with the text, to score them exactly.

The score is the weighted Dice similarity of the two term sets, 0 to 1: twice the weight
they share (the smaller weight of each shared term) over the weight of both. A short report
and a long one of the same outage score about 0.7; tickets sharing a word or two, under 0.3.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet, Sum, Value
from django.utils import timezone

from opsdesk.tickets.models import OPEN_STAGES, ImpactGroup, Tag, Ticket

from .models import DuplicateCandidate, IndexedTerm
from .text import terms_of

# A term held by no other open ticket weighs log(1 + RARITY_SCALE); one held by a thousand
# weighs log(2): a fixed scale keeps weights comparable as the desk grows.
RARITY_SCALE = 1000.0
POOL_SIZE = 25  # tickets scored exactly, out of those sharing the rarest terms
RAREST_TERMS = (3, 12)  # at least, at most this many terms look for the pool
ROW_BUDGET = 2000  # beyond the first three, rarer terms are added while rows stay under this


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    score: float


@dataclass(frozen=True)
class _Search:
    weights: dict[str, float]
    candidates: list[Candidate]


def threshold() -> float:
    """The score from which a ticket is a likely duplicate (OPSDESK_DUPLICATE_THRESHOLD)."""
    return float(getattr(settings, "OPSDESK_DUPLICATE_THRESHOLD", 0.5))


def max_candidates() -> int:
    """How many likely duplicates a ticket lists at most (OPSDESK_DUPLICATE_MAX)."""
    return int(getattr(settings, "OPSDESK_DUPLICATE_MAX", 5))


def find_duplicates(
    *,
    title: str,
    description: str = "",
    groups: Iterable[str] = (),
    tags: Iterable[str] = (),
    exclude: int | None = None,
) -> list[Candidate]:
    """Open tickets that look like the same request as this text, best first."""
    terms = terms_of(title=title, description=description, groups=groups, tags=tags)
    return _search(terms, exclude=exclude).candidates


def _weight(factor: float, others: int) -> float:
    return factor * math.log1p(RARITY_SCALE / (1 + others))


def _document_frequencies(terms: Sequence[str]) -> dict[str, int]:
    rows = (IndexedTerm.objects.filter(term__in=terms).values("term")
            .annotate(n=Count("*")).order_by().values_list("term", "n"))
    return dict(rows)


def _pool(others: dict[str, int], exclude: int | None) -> list[int]:
    """The open tickets sharing most weight of the text's rarest terms."""
    held = sorted((t for t, n in others.items() if n > 0), key=lambda t: (others[t], t))
    least, most = RAREST_TERMS
    chosen: list[str] = []
    rows = 0
    for term in held:
        if len(chosen) >= most or (len(chosen) >= least and rows + others[term] > ROW_BUDGET):
            break
        chosen.append(term)
        rows += others[term]
    if not chosen:
        return []
    found = IndexedTerm.objects.filter(term__in=chosen)
    if exclude is not None:
        found = found.exclude(ticket_id=exclude)
    ranked = (found.values("ticket_id").annotate(shared=Sum("weight"))
              .order_by("-shared", "ticket_id").values_list("ticket_id", flat=True))
    return list(ranked[:POOL_SIZE])


def _search(terms: dict[str, float], *, exclude: int | None) -> _Search:
    """Weigh the terms by rarity and score the pool of open tickets sharing them."""
    if not terms:
        return _Search({}, [])
    frequencies = _document_frequencies(list(terms))
    others = {t: frequencies.get(t, 0) for t in terms}
    weights = {t: _weight(factor, others[t]) for t, factor in terms.items()}
    pool = _pool(others, exclude)
    if not pool:
        return _Search(weights, [])
    shared: dict[int, float] = defaultdict(float)
    doc_weight: dict[int, float] = {}
    rows = IndexedTerm.objects.filter(
        ticket_id__in=pool, term__in=list(terms), ticket__stage__in=OPEN_STAGES,
    ).values_list("ticket_id", "term", "weight", "doc_weight")
    for ticket_id, term, weight, total in rows:
        shared[ticket_id] += min(weights[term], weight)
        doc_weight[ticket_id] = total
    own_weight = sum(weights.values())
    scored = [Candidate(ticket_id, round(min(1.0, 2 * s / (own_weight + doc_weight[ticket_id])), 3))
              for ticket_id, s in shared.items()]
    best = sorted((c for c in scored if c.score >= threshold()),
                  key=lambda c: (-c.score, c.ticket_id))
    return _Search(weights, best[:max_candidates()])


def _labels(ticket: Ticket, groups: Sequence[str] | None,
            tags: Sequence[str] | None) -> tuple[Sequence[str], Sequence[str]]:
    """The ticket's affected groups and tags: those given, the others read in one query."""
    if groups is not None and tags is not None:
        return groups, tags
    queries: list[QuerySet[Any, tuple[str, str]]] = []
    if groups is None:
        queries.append(ImpactGroup.objects.filter(ticket=ticket).annotate(kind=Value("group"))
                       .values_list("name", "kind").order_by())
    if tags is None:
        queries.append(Tag.objects.filter(tickets=ticket).annotate(kind=Value("tag"))
                       .values_list("name", "kind").order_by())
    first, *rest = queries
    rows = list(first.union(*rest, all=True) if rest else first)
    return (groups if groups is not None else [n for n, k in rows if k == "group"],
            tags if tags is not None else [n for n, k in rows if k == "tag"])


def ticket_terms(ticket: Ticket, groups: Iterable[str], tags: Iterable[str]) -> dict[str, float]:
    """A ticket's terms with their field factors."""
    return terms_of(title=ticket.title, description=ticket.description, groups=groups, tags=tags)


def _index_rows(ticket_id: int, weights: dict[str, float]) -> list[IndexedTerm]:
    total = sum(weights.values())
    return [IndexedTerm(ticket_id=ticket_id, term=term, weight=weight, doc_weight=total)
            for term, weight in weights.items()]


def index_ticket(
    *,
    ticket: Ticket,
    groups: Sequence[str] | None = None,
    tags: Sequence[str] | None = None,
    replace: bool = False,
) -> list[Candidate]:
    """Find an open ticket's likely duplicates, store them both ways, and index its terms.

    Groups and tags not given are read (one query). Then two queries when no open ticket
    shares a term, four when some do, five when some are likely duplicates. `replace` first
    drops what an earlier indexing of this ticket stored (an edit, a reopening).
    """
    groups, tags = _labels(ticket, groups, tags)
    if replace:
        unindex_ticket(ticket=ticket)
        DuplicateCandidate.objects.filter(ticket=ticket).delete()
    search = _search(ticket_terms(ticket, groups, tags), exclude=ticket.pk)
    IndexedTerm.objects.bulk_create(_index_rows(ticket.pk, search.weights))
    store_candidates(ticket_id=ticket.pk, candidates=search.candidates)
    return search.candidates


def store_candidates(*, ticket_id: int, candidates: Sequence[Candidate]) -> None:
    """Record each likely duplicate on both tickets (a newer score replaces an older one)."""
    if not candidates:
        return
    now = timezone.now()
    pairs = [DuplicateCandidate(ticket_id=a, candidate_id=b, score=c.score, found_at=now)
             for c in candidates for a, b in ((ticket_id, c.ticket_id), (c.ticket_id, ticket_id))]
    DuplicateCandidate.objects.bulk_create(
        pairs, update_conflicts=True, unique_fields=["ticket", "candidate"],
        update_fields=["score", "found_at"])


def unindex_ticket(*, ticket: Ticket) -> None:
    """Take a ticket out of the index (it was resolved, closed or cancelled)."""
    IndexedTerm.objects.filter(ticket_id=ticket.pk).delete()


def reindex(*, candidates: bool = True, batch: int = 2000) -> tuple[int, int]:
    """Rebuild the index from the open tickets; returns (tickets indexed, pairs found).

    With `candidates`, tickets are indexed one by one in creation order, each checked
    against those before it, as if they had just been created; without, the index is
    rebuilt in bulk and stored likely duplicates are left as they are.
    """
    open_tickets = Ticket.objects.filter(stage__in=OPEN_STAGES).order_by("pk")
    with transaction.atomic():
        IndexedTerm.objects.all().delete()
        if not candidates:
            return _index_in_bulk(open_tickets, batch), 0
        DuplicateCandidate.objects.filter(ticket__stage__in=OPEN_STAGES).delete()
        count = pairs = 0
        for ticket in open_tickets.iterator(chunk_size=batch):
            pairs += len(index_ticket(ticket=ticket))
            count += 1
    return count, pairs


def _index_in_bulk(tickets: QuerySet[Ticket], batch: int) -> int:
    """Index many tickets at once, weighing each term by its frequency among all of them."""
    terms: dict[int, dict[str, float]] = {}
    ids = list(tickets.values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        loaded = Ticket.objects.filter(pk__in=ids[start:start + batch]).prefetch_related(
            "tags", Prefetch("impact_groups", queryset=ImpactGroup.objects.order_by()))
        terms.update((t.pk, ticket_terms(t, [g.name for g in t.impact_groups.all()],
                                         [g.name for g in t.tags.all()])) for t in loaded)
    frequency = Counter(term for found in terms.values() for term in found)
    rows = [row for ticket_id, found in terms.items() for row in _index_rows(ticket_id, {
        term: _weight(factor, frequency[term] - 1) for term, factor in found.items()})]
    IndexedTerm.objects.bulk_create(rows, batch_size=batch)
    return len(terms)
