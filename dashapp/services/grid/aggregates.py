"""KPIs and chart series computed in SQL under the grid's current filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashapp.services.grid.cache import TTLCache
from dashapp.services.grid.errors import GridQueryError
from dashapp.services.grid.query import GridQuery
from dashapp.services.grid.schema import ColumnKind, GridTable

MEASURE_NAMES = ("amount", "revenue", "total", "sales", "price", "value")
RETURN_VALUES = ("returned", "refunded")


@dataclass(frozen=True)
class TableProfile:
    """Which columns feed the KPIs and charts of a table (found by name and type)."""

    measure: str | None  # summed for revenue
    date: str | None  # trend axis
    status: str | None  # set column holding a "returned" value
    returned: str | None
    dimensions: tuple[str, ...]  # set columns offered for the breakdown chart


def profile_for(table: GridTable) -> TableProfile:
    """Pick the measure, date, status and breakdown columns of `table`."""
    numbers = [c.name for c in table.columns if c.kind is ColumnKind.NUMBER and c.name != table.key]
    measure = next((n for n in MEASURE_NAMES if n in numbers), None)
    dates = [c.name for c in table.columns if c.kind is ColumnKind.DATE]
    status = returned = None
    for col in table.set_columns:
        hit = next((v for v in RETURN_VALUES if v in (col.choices or ())), None)
        if hit is not None:
            status, returned = col.name, hit
            break
    dimensions = tuple(c.name for c in table.set_columns if c.kind is ColumnKind.TEXT)
    return TableProfile(measure, dates[0] if dates else None, status, returned, dimensions)


@dataclass(frozen=True)
class Kpis:
    """Headline figures for the filtered rows."""

    rows: int
    revenue: float | None
    return_rate: float | None  # 0..1


def _number(value: Any) -> float:
    return float(value) if value is not None else 0.0


def kpis(
    conn: Connection, query: GridQuery, profile: TableProfile, cache: TTLCache | None = None
) -> Kpis:
    """Row count, revenue (sum of the measure) and the share of returned rows."""

    def compute() -> Kpis:
        table = query.table
        parts: list[sa.ColumnElement[Any]] = [sa.func.count().label("rows")]
        if profile.measure:
            parts.append(sa.func.sum(table.sql(profile.measure)).label("revenue"))
        if profile.status and profile.returned:
            is_returned = sa.case((table.sql(profile.status) == profile.returned, 1), else_=0)
            parts.append(sa.func.sum(is_returned).label("returned"))
        row = conn.execute(query.select(*parts)).mappings().one()
        count = int(row["rows"])
        revenue = _number(row["revenue"]) if profile.measure else None
        rate = None
        if profile.status:
            rate = _number(row["returned"]) / count if count else 0.0
        return Kpis(count, revenue, rate)

    if cache is None:
        return compute()
    return cache.get_or_compute(("kpis", query.filter_key, profile), compute)


def _month(conn: Connection, column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    """'YYYY-MM' of a date column, in the dialect's own functions."""
    if conn.dialect.name == "postgresql":
        return sa.func.to_char(sa.func.date_trunc("month", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def trend(
    conn: Connection, query: GridQuery, profile: TableProfile, cache: TTLCache | None = None
) -> list[tuple[str, int, float]]:
    """(month, rows, measure sum) for each month, oldest first."""
    if profile.date is None:
        return []
    date_column = profile.date

    def compute() -> list[tuple[str, int, float]]:
        table = query.table
        month = _month(conn, table.sql(date_column)).label("month")
        total = sa.func.sum(table.sql(profile.measure)) if profile.measure else sa.func.count()
        stmt = query.select(month, sa.func.count(), total).group_by(month).order_by(month)
        return [(str(m), int(n), _number(s)) for m, n, s in conn.execute(stmt) if m is not None]

    if cache is None:
        return compute()
    return cache.get_or_compute(("trend", query.filter_key, profile), compute)


def breakdown(
    conn: Connection,
    query: GridQuery,
    profile: TableProfile,
    dimension: str,
    limit: int = 15,
    cache: TTLCache | None = None,
) -> list[tuple[str, int, float]]:
    """(value, rows, measure sum) per value of a set column, largest first."""
    if dimension not in profile.dimensions:
        raise GridQueryError(f"Cannot break down by {dimension[:60]!r}.")

    def compute() -> list[tuple[str, int, float]]:
        table = query.table
        column = table.sql(dimension).label("value")
        total = sa.func.sum(table.sql(profile.measure)) if profile.measure else sa.func.count()
        stmt = (
            query.select(column, sa.func.count(), total.label("total"))
            .group_by(column)
            .order_by(sa.desc("total"))
            .limit(limit)
        )
        return [(str(v), int(n), _number(s)) for v, n, s in conn.execute(stmt)]

    if cache is None:
        return compute()
    return cache.get_or_compute(("breakdown", query.filter_key, profile, dimension), compute)
