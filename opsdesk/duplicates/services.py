"""Likely duplicates: open tickets that look like the same request, and the index behind them.

Every open ticket's terms (text.py) are rows of IndexedTerm, weighted by how rare they are
among open tickets (TermFrequency, counted again by the worker every five minutes). A check
takes two indexed queries whatever the number of tickets (lookups.py):

1. how many open tickets hold each of the text's terms (their last count);
2. the terms shared with the text by the 80 open tickets that score best on its rarest
   terms (a grouped subquery over the latest index rows of those terms, bounded even when
   the counts are stale), to score those exactly.

The score is the weighted Ochiai (cosine) similarity of the two term sets, 0 to 1: the
weight they share (the smaller weight of each shared term) over the geometric mean of the
weight of each. It forgives a short report of an outage for being short (a three-line
Vietnamese report and the long original score about 0.55); two reports of one outage
score 0.6–0.9, tickets sharing a word or two under 0.4.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet, Value
from django.utils import timezone

from opsdesk.core.prefetch import remember_related
from opsdesk.tickets.models import OPEN_STAGES, ImpactGroup, Tag, Ticket
from opsdesk.tickets.services import NewTicket

from . import lookups
from .models import DuplicateCandidate, IndexedTerm, TermFrequency
from .text import terms_of

# A term held by no other open ticket weighs log(1 + RARITY_SCALE); one held by a thousand
# weighs log(2): a fixed scale keeps weights comparable as the desk grows.
RARITY_SCALE = 1000.0
POOL_SIZE = 80  # tickets scored exactly, out of those sharing the rarest terms
ROW_BUDGET = 3000  # index rows the pool is looked for in, at most (beyond the rarest term)
STALE_SHARE = 1000  # index rows shared among rare terms whose counts are low or stale


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


def refresh_frequencies() -> int:
    """Count again how many open tickets hold each term; returns the number of terms."""
    now = timezone.now()
    counts = (IndexedTerm.objects.values("term").annotate(n=Count("*"))
              .order_by("term").values_list("term", "n"))
    rows = [TermFrequency(term=term, tickets=n, counted_at=now) for term, n in counts]
    with transaction.atomic():  # sorted by term: workers refreshing at once lock in one order
        TermFrequency.objects.bulk_create(
            rows, batch_size=2000, update_conflicts=True, unique_fields=["term"],
            update_fields=["tickets", "counted_at"])
        TermFrequency.objects.filter(counted_at__lt=now).delete()
    return len(rows)


def _rarest(weights: dict[str, float], others: dict[str, int]) -> list[str]:
    """The rarest terms of the text, of which a likely duplicate must share at least one.

    A score of at least t means sharing at least t² of the text's weight (the weight shared
    is at most the other ticket's), so the terms left out may weigh less than that together
    (prefix filtering). Terms not counted yet come first: new words, or a burst of reports
    of something new.
    """
    least = threshold() ** 2 * sum(weights.values())
    left = sum(weights.values())
    chosen: list[str] = []
    rows = 0
    for term in sorted(weights, key=lambda t: (others[t], -weights[t], t)):
        if left < least or (chosen and rows + others[term] > ROW_BUDGET):
            break
        chosen.append(term)
        rows += others[term]
        left -= weights[term]
    return chosen


def _row_limits(rare: list[str], others: dict[str, int]) -> list[tuple[str, int]]:
    """How many of the latest index rows of each rare term the pool is looked for in: all
    those it was counted in (twice over, as the count may be minutes old) up to ROW_BUDGET,
    and at least an even share of STALE_SHARE. Counts are stale on a new desk or in a
    burst, when every word passes for rare: the share then bounds the work, keeping the
    latest tickets. A text of common words only has a rarest term held by thousands of
    open tickets: its latest ROW_BUDGET rows are read, not all of them."""
    share = max(1, STALE_SHARE // max(1, len(rare)))
    return [(term, max(share, min(2 * others[term], ROW_BUDGET))) for term in rare]


def _search(terms: dict[str, float], *, exclude: int | None,
            frequencies: dict[str, int] | None = None,
            unstored: Sequence[tuple[int, dict[str, float]]] = ()) -> _Search:
    """Weigh the terms by rarity and score the pool of open tickets sharing them, and the
    `unstored` (weighed terms of new tickets not in the index yet).

    `frequencies` are the term counts when already read (else read here)."""
    if not terms:
        return _Search({}, [])
    if frequencies is None:
        frequencies = lookups.term_counts(list(terms))
    others = {t: frequencies.get(t, 0) for t in terms}
    weights = {t: _weight(factor, others[t]) for t, factor in terms.items()}
    shared: dict[int, float] = defaultdict(float)
    doc_weight: dict[int, float] = {}
    own_weight = sum(weights.values())
    rows = lookups.pool_terms(_row_limits(_rarest(weights, others), others), list(terms),
                              exclude=exclude, pool=POOL_SIZE)
    for ticket_id, theirs in unstored:
        total = sum(theirs.values())
        rows += [(ticket_id, term, weight, total) for term, weight in theirs.items()
                 if term in weights]
    for ticket_id, term, weight, total in rows:
        shared[ticket_id] += min(weights[term], weight)
        doc_weight[ticket_id] = total
    scored = [Candidate(t, round(min(1.0, s / math.sqrt(own_weight * doc_weight[t])), 3))
              for t, s in shared.items()]
    least = threshold()
    best = sorted((c for c in scored if c.score >= least), key=lambda c: (-c.score, c.ticket_id))
    return _Search(weights, best[:max_candidates()])


def _labels(ticket: Ticket, groups: Sequence[str] | None,
            tags: Sequence[str] | None) -> tuple[Sequence[str], Sequence[str]]:
    """The ticket's affected groups and tags: those given, the others read in one query."""
    if groups is not None and tags is not None:
        return groups, tags
    if groups is None and tags is not None:
        return list(ImpactGroup.objects.filter(ticket_id=ticket.pk)
                    .values_list("name", flat=True)), tags
    group_rows = ImpactGroup.objects.filter(ticket_id=ticket.pk).annotate(kind=Value("group"))
    tag_rows = Tag.objects.filter(tickets=ticket).annotate(kind=Value("tag"))
    rows = list(group_rows.values_list("name", "kind").order_by()
                .union(tag_rows.values_list("name", "kind").order_by(), all=True))
    return (groups if groups is not None else [n for n, k in rows if k == "group"],
            [n for n, k in rows if k == "tag"] if tags is None else tags)


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
    at: datetime | None = None,
) -> list[Candidate]:
    """Find an open ticket's likely duplicates, store them both ways (found `at`, now if
    None), and index its terms.

    Groups and tags not given are read (one query); then two reads and one insert, and one
    more insert when it has likely duplicates. `replace` first drops what an earlier
    indexing of this ticket stored (an edit, a reopening).
    """
    groups, tags = _labels(ticket, groups, tags)
    if replace:
        unindex_ticket(ticket=ticket)
        DuplicateCandidate.objects.filter(ticket=ticket).delete()
    search = _search(ticket_terms(ticket, groups, tags), exclude=ticket.pk)
    IndexedTerm.objects.bulk_create(_index_rows(ticket.pk, search.weights))
    store_candidates(found={ticket.pk: search.candidates}, at=at)
    return search.candidates


def index_new_tickets(*, created: Sequence[NewTicket],
                      at: datetime | None = None) -> dict[int, list[Candidate]]:
    """Index tickets just created together, each checked against the open tickets and
    those created before it, as one by one; likely duplicates by ticket, found `at` (now
    if None).

    One read of term counts and one pool read per ticket; two inserts for all. Each ticket
    keeps its likely duplicates in memory, best first.
    """
    texts = [(new.ticket.pk, ticket_terms(new.ticket, new.groups, new.tags))
             for new in created]
    every_term = sorted({term for _, terms in texts for term in terms})
    frequencies = lookups.term_counts(every_term) if every_term else {}
    indexed: list[tuple[int, dict[str, float]]] = []
    found: dict[int, list[Candidate]] = {}
    for ticket_id, terms in texts:
        search = _search(terms, exclude=ticket_id, frequencies=frequencies, unstored=indexed)
        indexed.append((ticket_id, search.weights))
        found[ticket_id] = search.candidates
    IndexedTerm.objects.bulk_create(
        [row for ticket_id, weights in indexed for row in _index_rows(ticket_id, weights)])
    by_ticket: dict[int, list[DuplicateCandidate]] = defaultdict(list)
    for pair in store_candidates(found=found, at=at):
        by_ticket[pair.ticket_id].append(pair)
    for new in created:
        remember_related(new.ticket, "duplicate_candidates", sorted(
            by_ticket[new.ticket.pk], key=lambda pair: (-pair.score, pair.candidate_id)))
    return found


def store_candidates(*, found: dict[int, list[Candidate]],
                     at: datetime | None = None) -> list[DuplicateCandidate]:
    """Record each likely duplicate on both tickets (a newer score replaces an older one),
    found `at` (now if None); the pairs stored."""
    now = at or timezone.now()
    pairs = {(a, b): DuplicateCandidate(ticket_id=a, candidate_id=b, score=c.score, found_at=now)
             for ticket_id, candidates in found.items() for c in candidates
             for a, b in ((ticket_id, c.ticket_id), (c.ticket_id, ticket_id))}
    if pairs:
        DuplicateCandidate.objects.bulk_create(
            list(pairs.values()), update_conflicts=True, unique_fields=["ticket", "candidate"],
            update_fields=["score", "found_at"])
    return list(pairs.values())


def unindex_ticket(*, ticket: Ticket) -> None:
    """Take a ticket out of the index (it was resolved, closed or cancelled)."""
    unindex_tickets(tickets=[ticket])


def unindex_tickets(*, tickets: Sequence[Ticket]) -> None:
    """`unindex_ticket` for several tickets, in one statement."""
    IndexedTerm.objects.filter(ticket_id__in=[ticket.pk for ticket in tickets]).delete()


def reindex(*, candidates: bool = True, batch: int = 2000) -> tuple[int, int]:
    """Rebuild the index from the open tickets; returns (tickets indexed, pairs found).

    The index is rebuilt in bulk and its terms counted. With `candidates`, the tickets are
    then indexed again one by one in creation order, each checked against those before it
    as if it had just been created; without, stored likely duplicates are left as they are.
    """
    open_tickets = Ticket.objects.filter(stage__in=OPEN_STAGES).order_by("pk")
    with transaction.atomic():
        IndexedTerm.objects.all().delete()
        count = _index_in_bulk(open_tickets, batch)
        refresh_frequencies()
        if not candidates:
            return count, 0
        IndexedTerm.objects.all().delete()
        DuplicateCandidate.objects.filter(ticket__stage__in=OPEN_STAGES).delete()
        pairs = sum(len(index_ticket(ticket=ticket))
                    for ticket in open_tickets.iterator(chunk_size=batch))
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
