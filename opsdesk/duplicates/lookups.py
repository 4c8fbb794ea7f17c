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
    rare: Sequence[str], terms: Sequence[str], *, exclude: int | None, pool: int
) -> list[tuple[int, str, float, float]]:
    """(ticket, term, weight, ticket's total weight) for the text's terms, of the `pool` open
    tickets that would score best on its `rare` terms alone (shared² / their weight ranks
    as the score does)."""
    params: list[Any] = list(rare)
    leave_out = ""
    if exclude is not None:
        leave_out = "AND ticket_id <> %s "
        params.append(exclude)
    stages = sorted(OPEN_STAGES)
    terms_table = _table(IndexedTerm)
    sql = (
        f"SELECT i.ticket_id, i.term, i.weight, i.doc_weight FROM {terms_table} i "  # noqa: S608
        f"JOIN {_table(Ticket)} t ON t.id = i.ticket_id "
        f"WHERE i.ticket_id IN (SELECT ticket_id FROM {terms_table} "
        f"WHERE term IN ({_marks(rare)}) {leave_out}"
        f"GROUP BY ticket_id ORDER BY SUM(weight) * SUM(weight) / MAX(doc_weight) DESC, ticket_id "
        f"LIMIT %s) "
        f"AND i.term IN ({_marks(terms)}) AND t.stage IN ({_marks(stages)})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pool, *terms, *stages])
        return list(cursor.fetchall())
