"""The values a text column offers in its multi-select (set) filter: exact on a small table,
from a bounded sample of a large one; and the bounded row count that tells the two apart."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# Tables up to this many rows get exact distinct values; larger ones are sampled (bounded).
EXACT_ROWS = 200_000
SAMPLE_ROWS = 100_000


def bounded_row_count(conn: Connection, table: sa.Table, limit: int = EXACT_ROWS) -> int:
    """min(rows, limit + 1): how big a table is, without counting past `limit`."""
    probe = sa.select(sa.literal(1)).select_from(table).limit(limit + 1).subquery()
    return int(conn.execute(sa.select(sa.func.count()).select_from(probe)).scalar_one())


def postgres_sample_percent(conn: Connection, table: sa.Table) -> float | None:
    """The TABLESAMPLE percentage that reads about SAMPLE_ROWS rows of a PostgreSQL table,
    or None where TABLESAMPLE does not apply (views, other dialects, never-analysed tables)."""
    if conn.dialect.name != "postgresql":
        return None
    found = conn.execute(
        sa.text(
            "SELECT c.relkind, c.reltuples FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = :name AND n.nspname = coalesce(:schema, current_schema())"
        ),
        {"name": table.name, "schema": table.schema},
    ).first()
    if found is None or found[0] not in ("r", "m", "p") or found[1] <= 0:
        return None
    return min(100.0, 100.0 * SAMPLE_ROWS / float(found[1]))


def distinct_choices(
    conn: Connection,
    table: sa.Table,
    column: sa.ColumnElement[Any],
    limit: int,
    sample: bool,
    sample_percent: float | None = None,
) -> tuple[tuple[Any, ...], bool] | None:
    """(sorted values, NULL present) when at most `limit` values exist, else None.

    Exact over the whole table, or over about SAMPLE_ROWS rows when `sample` (a large table):
    never from planner statistics, which are missing or fractions on small tables. On a
    PostgreSQL table the sample is pages from all over it (TABLESAMPLE SYSTEM, a fixed seed so
    every web process offers the same choices, `sample_percent` from postgres_sample_percent,
    looked up once per table); elsewhere it is the first SAMPLE_ROWS rows.
    """
    if sample and sample_percent is not None:
        sampled = table.tablesample(sa.func.system(sample_percent), seed=sa.literal(0))
        source: Any = sampled
        value: Any = sampled.c[str(column.key)]
    elif sample:
        rows = sa.select(column.label("v")).select_from(table).limit(SAMPLE_ROWS).subquery()
        source, value = rows, rows.c.v
    else:
        source, value = table, column
    stmt = sa.select(value).select_from(source).distinct().limit(limit + 2)
    values = [row[0] for row in conn.execute(stmt)]
    has_blank = any(v is None for v in values)
    kept = [v for v in values if v is not None and v != ""]
    if len(kept) > limit or not kept:
        return None
    return tuple(sorted(kept)), has_blank or any(v == "" for v in values)
