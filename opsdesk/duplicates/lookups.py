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
    if connection.vendor == "postgresql":
        sql, params = _pool_sql_postgresql(rare, terms, exclude=exclude, pool=pool)
    else:
        sql, params = _pool_sql(rare, terms, exclude=exclude, pool=pool)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _pool_sql(rare: Sequence[tuple[str, int]], terms: Sequence[str], *, exclude: int | None,
              pool: int) -> tuple[str, list[Any]]:
    """The pool read in SQL both databases take: a subquery per rare term."""
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
    return sql, [*params, pool, *terms, *stages]


def _pool_sql_postgresql(rare: Sequence[tuple[str, int]], terms: Sequence[str], *,
                         exclude: int | None, pool: int) -> tuple[str, list[Any]]:
    """The same read for PostgreSQL: the rare terms and their limits as arrays joined
    laterally, one statement text whatever their number — planned in a third of the time
    of a subquery per term (5.7 against 3.8 ms a read in all, same rows). The pool's rows
    are then read ticket by ticket (a lateral join on the unique (ticket, term) index,
    kept from being flattened by OFFSET 0): left to choose, the planner may scan every
    ticket's rows of the text's common terms instead — 160 ms at 10,000 open tickets
    sharing two words, when the table's statistics are stale."""
    terms_table = _table(IndexedTerm)
    sql = (
        f"SELECT i.ticket_id, i.term, i.weight, i.doc_weight FROM (SELECT x.ticket_id "  # noqa: S608
        f"FROM unnest(%s::text[], %s::int[]) AS r(term, lim) CROSS JOIN LATERAL "
        f"(SELECT ticket_id, weight, doc_weight FROM {terms_table} "
        f"WHERE term = r.term AND ticket_id <> %s ORDER BY ticket_id DESC LIMIT r.lim) x "
        f"GROUP BY x.ticket_id "
        f"ORDER BY SUM(x.weight) * SUM(x.weight) / MAX(x.doc_weight) DESC, x.ticket_id LIMIT %s"
        f") p JOIN {_table(Ticket)} t ON t.id = p.ticket_id AND t.stage = ANY(%s::text[]) "
        f"CROSS JOIN LATERAL (SELECT ticket_id, term, weight, doc_weight FROM {terms_table} "
        f"WHERE ticket_id = p.ticket_id AND term = ANY(%s::text[]) OFFSET 0) i")
    return sql, [[t for t, _ in rare], [limit for _, limit in rare],
                 exclude if exclude is not None else 0, pool, sorted(OPEN_STAGES), list(terms)]
