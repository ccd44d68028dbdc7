"""Run a grid query and compare with a Python oracle over the same rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from dashapp.dataview.query import build_query
from dashapp.dataview.schema import GridTable
from tests.unit.grid.conftest import ROWS

Row = dict[str, Any]


def matching_ids(engine: sa.Engine, table: GridTable, **kwargs: Any) -> list[int]:
    """Ids the database returns for a query, in id order."""
    query = build_query(table, **kwargs)
    with engine.connect() as conn:
        stmt = query.select(table.sql("id")).order_by(table.sql("id"))
        return [row[0] for row in conn.execute(stmt)]


def expected_ids(predicate: Callable[[Row], bool]) -> list[int]:
    """Ids of the fixture rows for which `predicate` holds."""
    return [row["id"] for row in ROWS if predicate(row)]


def low(value: str | None) -> str | None:
    """Lower-case, keeping None."""
    return None if value is None else value.lower()
