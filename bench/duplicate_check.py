"""Duplicate check: 500 new requests checked against 10,000 open tickets (DESIGN §5: < 20 ms
p99), next to a bare primary-key SELECT and a naive `LIKE` scan in the same run.

The open tickets are varied generated requests in English and Vietnamese (a fifth of the
Vietnamese typed without diacritics), with their groups and tags; the new texts come from
the same generator with another seed, so many have real duplicates among the open tickets.
"""

import argparse
import itertools
import random
import statistics
import time

from .harness import Report, Timing, measure
from .setup_django import setup


def run(argv: list[str]) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench duplicate-check")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--texts", type=int, default=500)
    args = parser.parse_args(argv)
    # Its own database: the other benchmarks' hundreds of thousands of open tickets would
    # otherwise be indexed too.
    vendor = setup("postgres://postgres@127.0.0.1:5432/opsdesk_bench_duplicates")

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from opsdesk.duplicates.models import IndexedTerm
    from opsdesk.duplicates.services import find_duplicates, index_ticket, reindex
    from opsdesk.tickets.models import OPEN_STAGES, Ticket

    from .generate import _people, open_support_requests, support_request

    created = open_support_requests(args.tickets)
    start = time.perf_counter()
    indexed, _ = reindex(candidates=False)
    index_seconds = time.perf_counter() - start
    with connection.cursor() as cursor:  # as autovacuum leaves a table between bursts
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")

    rng = random.Random(99)
    texts = [support_request(rng) for _ in range(args.texts)]
    ids = list(Ticket.objects.filter(stage__in=OPEN_STAGES).values_list("pk", flat=True))
    next_text, next_id = itertools.cycle(texts), itertools.cycle(rng.sample(ids, len(ids)))

    def by_primary_key() -> None:
        Ticket.objects.filter(pk=next(next_id)).values_list("pk", "title").first()

    def like_scan() -> None:
        word = max(next(next_text)["title"].split(), key=len)
        list(Ticket.objects.filter(stage__in=OPEN_STAGES, title__icontains=word)
             .values_list("pk", flat=True)[:5])

    found: list[int] = []

    def check() -> None:
        text = next(next_text)
        found.append(len(find_duplicates(title=text["title"], description=text["description"],
                                         groups=text["groups"], tags=text["tags"])))

    runs = len(texts)
    reference = measure("reference: SELECT one ticket by primary key", by_primary_key,
                        runs=runs)
    naive = measure("reference: LIKE scan of open titles", like_scan, runs=runs)
    found.clear()
    checked = measure("find_duplicates (title + description)", check, runs=runs, warmup=0)
    recall = _recall_against_exhaustive(texts[:100])
    creating, queries = _index_new_tickets(texts[:200], index_ticket, _people,
                                           transaction, CaptureQueriesContext, connection)
    report = Report(
        benchmark="duplicate-check",
        setup={"database": vendor, "open tickets": indexed, "created this run": created,
               "indexed terms": IndexedTerm.objects.count(),
               "bulk index of the open tickets (s)": round(index_seconds, 2),
               "texts checked": runs,
               "texts with a likely duplicate": f"{sum(1 for n in found if n)} of {len(found)}",
               "queries to index a new ticket (tags given)": queries,
               "found / found by scoring every open ticket (100 texts)": recall},
        timings=[reference, naive, checked, creating],
        ratios={"find_duplicates / primary key": checked.p50_ms / reference.p50_ms,
                "find_duplicates / LIKE scan": checked.p50_ms / naive.p50_ms},
    )
    report.verdicts["target < 20 ms (p99 of find_duplicates)"] = \
        "met" if checked.p99_ms < 20 else f"MISSED ({checked.p99_ms:.1f} ms)"
    return report


def _index_new_tickets(texts, index_ticket, people, transaction, capture, connection):
    """Time what the creation receiver does for a new ticket (rolled back each time)."""
    from opsdesk.tickets.models import Ticket

    agent, requester = people()
    samples, queries = [], 0
    for text in texts:
        with transaction.atomic():
            ticket = Ticket.objects.create(title=text["title"], description=text["description"],
                                           requester=requester, created_by=agent)
            with capture(connection) as captured:
                start = time.perf_counter()
                index_ticket(ticket=ticket, tags=text["tags"])
                samples.append((time.perf_counter() - start) * 1000)
            queries = max(queries, len(captured))
            transaction.set_rollback(True)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return Timing("index_ticket (the creation receiver)", len(samples),
                  statistics.median(samples), p99, statistics.fmean(samples)), queries


def _recall_against_exhaustive(texts) -> str:
    """How many of the likely duplicates that scoring every open ticket finds (in Python,
    the same weights and score) the indexed check matches: as good a candidate at the same
    rank (generated tickets often tie, so the ticket itself may be another)."""
    from collections import defaultdict

    from opsdesk.duplicates import services
    from opsdesk.duplicates.models import IndexedTerm, TermFrequency
    from opsdesk.duplicates.text import terms_of

    counts = dict(TermFrequency.objects.values_list("term", "tickets"))
    holders, totals = defaultdict(dict), {}
    for ticket_id, term, weight, total in IndexedTerm.objects.values_list(
            "ticket_id", "term", "weight", "doc_weight").iterator(chunk_size=10_000):
        holders[term][ticket_id] = weight
        totals[ticket_id] = total
    expected = found = 0
    for text in texts:
        fields = {k: text[k] for k in ("title", "description", "groups", "tags")}
        weights = {t: services._weight(f, counts.get(t, 0)) for t, f in terms_of(**fields).items()}
        shared = defaultdict(float)
        for term, weight in weights.items():
            for ticket_id, theirs in holders.get(term, {}).items():
                shared[ticket_id] += min(weight, theirs)
        own = sum(weights.values())
        scores = {t: s / (own * totals[t]) ** 0.5 for t, s in shared.items()}
        best = sorted((v for v in scores.values() if v >= services.threshold()),
                      reverse=True)[:services.max_candidates()]
        got = [c.score for c in services.find_duplicates(**fields)]
        expected += len(best)
        found += sum(1 for want, have in zip(best, got, strict=False) if have >= want - 0.001)
    return f"{found} of {expected}"
