"""The two reads of a duplicate check, in plain SQL that SQLite and PostgreSQL share.

Written out rather than built by the ORM: they run for every new ticket and every check,
and composing them through querysets cost more than running them (about 1 ms each). Only
quoted table names and placeholders are put into the SQL text (hence the `noqa: S608`).
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection

from opsdesk.tickets.models import OPEN_STAGES, Ticket

from .models import IndexedTerm, TermFrequency


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def _marks(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def term_counts(terms: Sequence[str]) -> dict[str, int]:
    """How many open tickets held each of these terms when last counted."""
    table = _table(TermFrequency)
    sql = f"SELECT term, tickets FROM {table} WHERE term IN ({_marks(terms)})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, list(terms))
        return dict(cursor.fetchall())


def pool_terms(
    rare: Sequence[tuple[str, int]], terms: Sequence[str], *, exclude: int | None, pool: int
) -> list[tuple[int, str, float, float]]:
    """(ticket, term, weight, ticket's total weight) for the text's terms, of the `pool` open
    tickets that would score best on its `rare` terms alone (shared² / their weight ranks
    as the score does), looked for among the latest index rows of each rare term, as many
    as its limit says."""
    if not rare:
        return []
    leave_out = "AND ticket_id <> %s " if exclude is not None else ""
    terms_table = _table(IndexedTerm)
    latest = [f"SELECT * FROM (SELECT ticket_id, weight, doc_weight FROM {terms_table} "  # noqa: S608
              f"WHERE term = %s {leave_out}ORDER BY ticket_id DESC LIMIT %s) r{n}"
              for n in range(len(rare))]
    params: list[Any] = []
    for term, limit in rare:
        params += [term, *([exclude] if exclude is not None else []), limit]
    stages = sorted(OPEN_STAGES)
    sql = (
        f"SELECT i.ticket_id, i.term, i.weight, i.doc_weight FROM {terms_table} i "  # noqa: S608
        f"JOIN {_table(Ticket)} t ON t.id = i.ticket_id "
        f"WHERE i.ticket_id IN (SELECT ticket_id FROM ({' UNION ALL '.join(latest)}) r "
        f"GROUP BY ticket_id ORDER BY SUM(weight) * SUM(weight) / MAX(doc_weight) DESC, ticket_id "
        f"LIMIT %s) "
        f"AND i.term IN ({_marks(terms)}) AND t.stage IN ({_marks(stages)})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pool, *terms, *stages])
        return list(cursor.fetchall())
