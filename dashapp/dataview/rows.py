"""The rows of an export: the whole filtered, sorted result from a server-side cursor."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.engine import Engine

from dashapp.dataview.query import GridQuery
from dashapp.dataview.session import IDLE_IN_TRANSACTION_MS, read_connection

FETCH_ROWS = 2000


def export_rows(
    engine: Engine,
    query: GridQuery,
    columns: Sequence[str],
    limit: int,
    timeout_ms: int,
    idle_ms: int = IDLE_IN_TRANSACTION_MS,
) -> Iterator[tuple[Any, ...]]:
    """Rows from a server-side cursor: memory stays flat however many rows match."""
    selected = [query.table.sql(query.table.column(name).name) for name in columns]
    stmt = query.select(*selected).order_by(*query.order_by()).limit(limit)
    with read_connection(engine, timeout_ms, idle_ms, streaming=True) as conn:
        result = conn.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(stmt)
        for row in result:
            yield tuple(row)
