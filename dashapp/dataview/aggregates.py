"""KPIs and chart series computed in SQL under the grid's current filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashapp.dataview.cache import TTLCache
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.filters import _date_value, _number_value, _text_value
from dashapp.dataview.query import GridQuery
from dashapp.dataview.schema import ColumnKind, GridTable

BLANK_LABEL = "(blank)"
OTHER_LABEL = "Other"
ADDITIVE = frozenset({"sum", "count"})  # aggregations whose "Other" is total minus the top N
GRAINS = ("day", "week", "month", "quarter", "year")
FilterTerm = tuple[str, str, Any]  # (column, op, value or tuple of values)


@dataclass(frozen=True)
class MeasureSpec:
    """An aggregation over a column (none for count), over the rows a filter keeps."""

    agg: str
    column: str | None = None
    filter: tuple[FilterTerm, ...] = ()

    def describe(self, table: GridTable) -> str:
        """'Sum of Amount' and the like, for axis titles."""
        if self.agg == "count":
            return "Rows"
        header = table.column(self.column).header if self.column else ""
        names = {"sum": "Sum", "avg": "Average", "min": "Minimum", "max": "Maximum"}
        return (
            f"{names.get(self.agg, 'Distinct')} of {header}"
            if self.agg in names
            else (f"Distinct {header}")
        )


@dataclass(frozen=True)
class KpiSpec:
    """A headline figure: one measure, or numerator / denominator."""

    label: str
    measure: MeasureSpec | None = None
    ratio: tuple[MeasureSpec, MeasureSpec] | None = None
    format: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class KpiValue:
    """A computed figure; `value` None with a `note` saying why it cannot be shown."""

    label: str
    value: float | str | None
    format: str | None
    note: str = ""
    description: str | None = None


@dataclass(frozen=True)
class ChartSpec:
    """A trend (measure over a date column by grain) or a breakdown (top N of a dimension)."""

    kind: str  # "trend" or "breakdown"
    column: str
    measure: MeasureSpec = MeasureSpec("count")
    grain: str = "month"
    top: int = 10
    other: bool = True
    title: str | None = None
    format: str | None = None


def _number(value: Any) -> float | str | None:
    if value is None:
        return None
    if isinstance(value, Decimal | int | float):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _filter_value(table: GridTable, name: str, raw: Any) -> Any:
    col = table.column(name)
    if col.kind is ColumnKind.NUMBER:
        return _number_value(col, raw)
    if col.kind is ColumnKind.DATE:
        return _date_value(col, str(raw))
    if col.kind is ColumnKind.BOOL:
        return bool(raw)
    return _text_value(col, str(raw))


def filter_clause(table: GridTable, terms: tuple[FilterTerm, ...]) -> sa.ColumnElement[bool]:
    """The SQL of a measure's filter (every term must hold)."""
    parts: list[sa.ColumnElement[bool]] = []
    for name, op, raw in terms:
        column = table.sql(name)
        if op == "is_null":
            parts.append(column.is_(None) if raw else column.is_not(None))
            continue
        if op in ("in", "not_in"):
            values = [_filter_value(table, name, v) for v in raw]
            clause = column.in_(values)
            # NOT IN keeps blanks: "excluding cancelled" should not also drop unknown statuses.
            parts.append(clause if op == "in" else sa.or_(column.is_(None), sa.not_(clause)))
            continue
        value = _filter_value(table, name, raw)
        compare = {
            "eq": lambda c, v: c == v,
            "ne": lambda c, v: sa.or_(c.is_(None), c != v),
            "gt": lambda c, v: c > v,
            "gte": lambda c, v: c >= v,
            "lt": lambda c, v: c < v,
            "lte": lambda c, v: c <= v,
        }
        if op not in compare:
            raise GridQueryError(f"Unknown filter operator {op!r} on {name!r}.")
        parts.append(compare[op](column, value))
    return sa.and_(sa.true(), *parts)


def measure_sql(table: GridTable, measure: MeasureSpec) -> sa.ColumnElement[Any]:
    """The aggregate expression of a measure; a filter becomes a CASE inside it."""
    kept = filter_clause(table, measure.filter) if measure.filter else None
    if measure.agg == "count":
        return sa.func.count() if kept is None else sa.func.count(sa.case((kept, 1)))
    if measure.column is None:
        raise GridQueryError(f"The {measure.agg} measure needs a column.")
    column = table.sql(measure.column)
    value = column if kept is None else sa.case((kept, column))
    if measure.agg == "count_distinct":
        return sa.func.count(sa.distinct(value))
    if measure.agg not in ("sum", "avg", "min", "max"):
        raise GridQueryError(f"Unknown aggregation {measure.agg!r}.")
    return getattr(sa.func, measure.agg)(value)


def _kpi_value(spec: KpiSpec, row: dict[str, Any], index: int, rows: int) -> KpiValue:
    if spec.measure is not None:
        value = _number(row[f"m{index}_0"])
        if value is None and rows and spec.measure.agg == "sum":
            value = 0.0  # rows match but none counts toward the sum: the total really is 0
        note = ""
        if value is None:
            note = "No rows match the filters." if not rows else "No values in the matching rows."
        return KpiValue(spec.label, value, spec.format, note, spec.description)
    top, bottom = _number(row[f"m{index}_0"]), _number(row[f"m{index}_1"])
    if not isinstance(bottom, float) or bottom == 0 or not isinstance(top, float | type(None)):
        return KpiValue(
            spec.label, None, spec.format, "Nothing to divide by: no matching rows.",
            spec.description,
        )  # fmt: skip
    return KpiValue(spec.label, (top or 0.0) / bottom, spec.format, "", spec.description)


def kpis(
    conn: Connection, query: GridQuery, specs: tuple[KpiSpec, ...], cache: TTLCache | None = None
) -> list[KpiValue]:
    """Every KPI of the table in one SELECT under the grid's filters."""

    def compute() -> list[KpiValue]:
        parts: list[sa.ColumnElement[Any]] = [sa.func.count().label("rows")]
        for index, spec in enumerate(specs):
            measures = [spec.measure] if spec.measure is not None else list(spec.ratio or ())
            for j, measure in enumerate(measures):
                parts.append(measure_sql(query.table, measure).label(f"m{index}_{j}"))
        row = dict(conn.execute(query.select(*parts)).mappings().one())
        rows = int(row["rows"])
        return [_kpi_value(spec, row, i, rows) for i, spec in enumerate(specs)]

    if cache is None:
        return compute()
    return cache.get_or_compute(("kpis", query.filter_key, specs), compute)


def period(dialect: str, column: sa.ColumnElement[Any], grain: str) -> sa.ColumnElement[str]:
    """The text of a date's period ('2024-03', '2024-Q1', '2024-03-04' (a week's Monday))."""
    if grain not in GRAINS:
        raise GridQueryError(f"Unknown grain {grain!r}.")
    if dialect == "postgresql":
        if grain == "quarter":
            return sa.func.to_char(column, 'YYYY-"Q"Q')
        formats = {"day": "YYYY-MM-DD", "week": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY"}
        return sa.func.to_char(sa.func.date_trunc(grain, column), formats[grain])
    if dialect in ("mysql", "mariadb"):
        if grain == "quarter":
            return sa.func.concat(sa.func.year(column), "-Q", sa.func.quarter(column))
        if grain == "week":
            monday = sa.func.subdate(column, sa.func.weekday(column))
            return sa.func.date_format(monday, "%Y-%m-%d")
        formats = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
        return sa.func.date_format(column, formats[grain])
    if grain == "quarter":
        month = sa.cast(sa.func.strftime("%m", column), sa.Integer)
        quarter = sa.cast((month + 2) / 3, sa.Integer)
        return sa.func.strftime("%Y", column) + "-Q" + sa.cast(quarter, sa.String)
    if grain == "week":
        return sa.func.date(column, "weekday 0", "-6 days")
    formats = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
    return sa.func.strftime(formats[grain], column)


def trend(
    conn: Connection, query: GridQuery, chart: ChartSpec, cache: TTLCache | None = None
) -> list[tuple[str, int, float]]:
    """(period, rows, measure) for each period of the chart's grain, oldest first."""

    def compute() -> list[tuple[str, int, float]]:
        table = query.table
        when = period(table.dialect, table.sql(chart.column), chart.grain).label("period")
        value = measure_sql(table, chart.measure)
        stmt = query.select(when, sa.func.count(), value).group_by(when).order_by(when)
        return [
            (str(p), int(n), float(_number(v) or 0.0))
            for p, n, v in conn.execute(stmt)
            if p is not None
        ]

    if cache is None:
        return compute()
    return cache.get_or_compute(("trend", query.filter_key, chart), compute)


def breakdown(
    conn: Connection, query: GridQuery, chart: ChartSpec, cache: TTLCache | None = None
) -> list[tuple[str, int, float]]:
    """(value, rows, measure) of the top N values, largest first, then "Other" if asked."""
    table = query.table
    table.column(chart.column)  # refuses unknown dimensions

    def compute() -> list[tuple[str, int, float]]:
        column = table.sql(chart.column).label("value")
        value = measure_sql(table, chart.measure).label("total")
        stmt = (
            query.select(column, sa.func.count().label("rows"), value)
            .group_by(table.sql(chart.column))
            .order_by(sa.desc("total"), sa.desc("rows"))
            .limit(chart.top + 1)
        )
        found = [
            (BLANK_LABEL if v is None or v == "" else str(v), int(n), float(_number(s) or 0.0))
            for v, n, s in conn.execute(stmt)
        ]
        if len(found) <= chart.top:
            return found
        top = found[: chart.top]
        if not chart.other or chart.measure.agg not in ADDITIVE:
            return top
        totals = conn.execute(
            query.select(sa.func.count(), measure_sql(table, chart.measure))
        ).one()
        rest_rows = int(totals[0]) - sum(n for _, n, _ in top)
        rest = float(_number(totals[1]) or 0.0) - sum(s for _, _, s in top)
        return [*top, (OTHER_LABEL, rest_rows, rest)]

    if cache is None:
        return compute()
    return cache.get_or_compute(("breakdown", query.filter_key, chart), compute)
