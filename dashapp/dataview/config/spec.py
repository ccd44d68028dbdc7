"""A table's dashboard: its configured KPIs and charts, or defaults its columns support."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dashapp.dataview.aggregates import ChartSpec, FilterTerm, KpiSpec, MeasureSpec
from dashapp.dataview.config.model import BreakdownChart, Measure, TableConfig, TrendChart
from dashapp.dataview.schema import ColumnKind, GridColumn, GridTable, TableOptions
from dashapp.dataview.schema import ColumnOptions as GridColumnOptions

# Measure columns by name when nothing is configured (a guess only picks which sum to show).
MEASURE_NAMES = ("amount", "revenue", "total", "sales", "price", "value", "cost")


@dataclass(frozen=True)
class DashboardSpec:
    """What the page shows for a table, and why a part is missing."""

    kpis: tuple[KpiSpec, ...]
    trend: ChartSpec | None
    breakdown: ChartSpec | None
    dimensions: tuple[str, ...]  # columns the breakdown may switch to
    searchable: bool
    notes: dict[str, str]  # "trend"/"breakdown"/"search": why it is not shown

    @property
    def has_charts(self) -> bool:
        """True when at least one chart has something to show."""
        return self.trend is not None or self.breakdown is not None


def table_options(config: TableConfig | None) -> TableOptions:
    """The grid's presentation options from a table's configuration."""
    if config is None:
        return TableOptions()
    columns = {
        name: GridColumnOptions(c.label, c.format, c.hidden if c.hidden else None, c.width, c.order)
        for name, c in config.columns.items()
    }
    return TableOptions(title=config.title, columns=columns, labels=dict(config.labels))


def _terms(spec: dict[str, Any] | None) -> tuple[FilterTerm, ...]:
    terms: list[FilterTerm] = []
    for column, value in (spec or {}).items():
        if isinstance(value, dict):
            ((op, operand),) = value.items()
        elif isinstance(value, list):
            op, operand = "in", value
        elif value is None:
            op, operand = "is_null", True
        else:
            op, operand = "eq", value
        if isinstance(operand, list):
            operand = tuple(operand)
        terms.append((column, op, operand))
    return tuple(terms)


def measure_spec(measure: Measure) -> MeasureSpec:
    """A configured measure as the aggregates service takes it."""
    return MeasureSpec(measure.agg, measure.column, _terms(measure.filter))


def _is_measure(table: GridTable, column: GridColumn) -> bool:
    """True for a number column that is no key (its own, a foreign one, or named like an id)."""
    return (
        column.kind is ColumnKind.NUMBER
        and column.name != table.key
        and not column.foreign_key
        and not column.name.lower().endswith("id")
    )


def _measure_column(table: GridTable) -> GridColumn | None:
    numbers = [c for c in table.columns if _is_measure(table, c)]
    by_name = {c.name.lower(): c for c in numbers}
    for name in MEASURE_NAMES:
        if name in by_name:
            return by_name[name]
    decimals = [c for c in numbers if not c.integer]
    return decimals[0] if decimals else (numbers[0] if numbers else None)


def _money_format(col: GridColumn) -> str | None:
    return col.format or ("number:2" if not col.integer else "integer")


def default_kpis(table: GridTable) -> tuple[KpiSpec, ...]:
    """The total and average of the table's measure when it has one (rows are always shown)."""
    kpis: list[KpiSpec] = []
    measure = _measure_column(table)
    if measure is not None:
        kpis.append(
            KpiSpec(f"Total {measure.header.lower()}", MeasureSpec("sum", measure.name),
                    format=_money_format(measure))
        )  # fmt: skip
        kpis.append(
            KpiSpec(f"Average {measure.header.lower()}", MeasureSpec("avg", measure.name),
                    format=_money_format(measure))
        )  # fmt: skip
    return tuple(kpis)


def _kpi_specs(config: TableConfig) -> tuple[KpiSpec, ...]:
    specs = []
    for kpi in config.kpis or ():
        own = kpi.measure()
        ratio = None
        if kpi.ratio is not None:
            ratio = (measure_spec(kpi.ratio.numerator), measure_spec(kpi.ratio.denominator))
        specs.append(
            KpiSpec(kpi.label, measure_spec(own) if own else None, ratio, kpi.format,
                    kpi.description)
        )  # fmt: skip
    return tuple(specs)


def _chart(chart: TrendChart | BreakdownChart) -> ChartSpec:
    if isinstance(chart, TrendChart):
        return ChartSpec(
            "trend", chart.date, measure_spec(chart.measure), grain=chart.grain,
            title=chart.title, format=chart.format,
        )  # fmt: skip
    return ChartSpec(
        "breakdown", chart.dimension, measure_spec(chart.measure), top=chart.top,
        other=chart.other, title=chart.title, format=chart.format,
    )  # fmt: skip


def dashboard_spec(table: GridTable, config: TableConfig | None = None) -> DashboardSpec:
    """The configured dashboard of `table`, with defaults for anything not configured."""
    dates, dimensions = _date_columns(table), _dimension_names(table)
    if config is not None and config.charts is not None:
        trend, breakdown = _configured_charts(config.charts)
    else:
        trend, breakdown = _default_charts(table, dates, dimensions)
    dimensions = _dimensions_with(breakdown, dimensions)
    searchable = any(c.label_of is None for c in table.text_columns)
    notes = _notes(trend, breakdown, bool(dates), dimensions, searchable)
    return DashboardSpec(_kpis(table, config), trend, breakdown, dimensions, searchable, notes)


def _date_columns(table: GridTable) -> list[GridColumn]:
    """The visible date columns: a default trend runs over the first."""
    return [c for c in table.columns if c.kind is ColumnKind.DATE and not c.hidden]


def _dimension_names(table: GridTable) -> tuple[str, ...]:
    """The visible text columns with a multi-select filter: what a breakdown may group by."""
    return tuple(
        c.name for c in table.columns if c.is_set and c.kind is ColumnKind.TEXT and not c.hidden
    )


def _kpis(table: GridTable, config: TableConfig | None) -> tuple[KpiSpec, ...]:
    """The configured KPIs; the defaults when none (or an empty list) are configured."""
    configured = _kpi_specs(config) if config is not None and config.kpis is not None else ()
    return configured or default_kpis(table)


def _configured_charts(
    charts: Sequence[TrendChart | BreakdownChart],
) -> tuple[ChartSpec | None, ChartSpec | None]:
    """(trend, breakdown): the first listed of each kind (None where none of it is listed)."""
    specs = [_chart(c) for c in charts]
    trend = next((c for c in specs if c.kind == "trend"), None)
    return trend, next((c for c in specs if c.kind == "breakdown"), None)


def _default_charts(
    table: GridTable, dates: list[GridColumn], dimensions: tuple[str, ...]
) -> tuple[ChartSpec | None, ChartSpec | None]:
    """(trend, breakdown) when no charts are configured: over the first date and the first
    dimension, of the table's measure (a row count when it has none)."""
    measure = _measure_column(table)
    default_measure = MeasureSpec("sum", measure.name) if measure else MeasureSpec("count")
    trend = ChartSpec("trend", dates[0].name, default_measure) if dates else None
    breakdown = ChartSpec("breakdown", dimensions[0], default_measure) if dimensions else None
    return trend, breakdown


def _dimensions_with(breakdown: ChartSpec | None, dimensions: tuple[str, ...]) -> tuple[str, ...]:
    """The dimensions, led by the breakdown's own column when it is not among them."""
    if breakdown is not None and breakdown.column not in dimensions:
        return (breakdown.column, *dimensions)
    return dimensions


def _notes(
    trend: ChartSpec | None,
    breakdown: ChartSpec | None,
    has_dates: bool,
    dimensions: tuple[str, ...],
    searchable: bool,
) -> dict[str, str]:
    """Why a part of the dashboard is missing, by part ("trend", "breakdown", "search")."""
    notes: dict[str, str] = {}
    if trend is None:
        notes["trend"] = (
            "No trend: this table has no date column." if not has_dates
            else "No trend chart is configured for this table."
        )  # fmt: skip
    if breakdown is None:
        notes["breakdown"] = (
            "No breakdown: no text column has few enough distinct values to group by."
            if not dimensions else "No breakdown chart is configured for this table."
        )  # fmt: skip
    if not searchable:
        notes["search"] = "No text columns to search in this table."
    return notes
