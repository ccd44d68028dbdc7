"""The dashboards file's schema (pydantic): sources, tables, columns, KPIs and charts."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

GRAINS = ("day", "week", "month", "quarter", "year")
# number, number:2, integer, percent, percent:1, currency:EUR, currency:USD:2, date, datetime,
# duration (seconds), text.
FORMAT_RE = re.compile(
    r"^(?:number(?::\d)?|integer|percent(?::\d)?|currency:[A-Z]{3}(?::\d)?|date|datetime"
    r"|duration|text)$"
)
ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$")
# Operators of a KPI filter: {column: value}, {column: [values]} or {column: {op: value}}.
FILTER_OPS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "is_null")


class Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently do nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _format(value: str | None) -> str | None:
    if value is not None and not FORMAT_RE.match(value):
        raise ValueError(
            f"unknown format {value!r}; use number, number:N, integer, percent, percent:N, "
            "currency:XXX (ISO code), currency:XXX:N, date, datetime, duration or text"
        )
    return value


class SourceConfig(Strict):
    """A database the data view reads: a SQLAlchemy URL (use ${VAR} for secrets)."""

    url: str = Field(min_length=1)
    title: str | None = None
    statement_timeout_ms: int = Field(default=5000, ge=100, le=600_000)
    pool_size: int = Field(default=5, ge=1, le=50)


class ColumnConfig(Strict):
    """How one column is shown."""

    label: str | None = Field(default=None, max_length=80)
    format: str | None = None
    hidden: bool = False
    width: int | None = Field(default=None, ge=40, le=1200)
    order: int | None = None

    _check_format = field_validator("format")(_format)


class SortConfig(Strict):
    """One default sort term."""

    column: str
    direction: Literal["asc", "desc"] = "asc"


FilterSpec = dict[str, Any]


class Measure(Strict):
    """An aggregation over a column, optionally over the rows a filter keeps."""

    agg: Literal["sum", "avg", "min", "max", "count", "count_distinct"]
    column: str | None = None
    filter: FilterSpec | None = None

    @model_validator(mode="after")
    def _column_needed(self) -> Measure:
        if self.agg != "count" and not self.column:
            raise ValueError(f"{self.agg} needs a column")
        return self

    @field_validator("filter")
    @classmethod
    def _filter_shape(cls, value: FilterSpec | None) -> FilterSpec | None:
        for column, spec in (value or {}).items():
            if isinstance(spec, dict):
                unknown = set(spec) - set(FILTER_OPS)
                if unknown or len(spec) != 1:
                    raise ValueError(f"filter on {column!r} takes one of {', '.join(FILTER_OPS)}")
        return value


class Ratio(Strict):
    """numerator / denominator, each a measure."""

    numerator: Measure
    denominator: Measure


class KpiConfig(Strict):
    """A headline figure: one measure, or a ratio of two."""

    label: str = Field(min_length=1, max_length=60)
    agg: Literal["sum", "avg", "min", "max", "count", "count_distinct"] | None = None
    column: str | None = None
    filter: FilterSpec | None = None
    ratio: Ratio | None = None
    format: str | None = None
    description: str | None = Field(default=None, max_length=200)

    _check_format = field_validator("format")(_format)

    @model_validator(mode="after")
    def _one_kind(self) -> KpiConfig:
        if (self.ratio is None) == (self.agg is None):
            raise ValueError("a KPI has either agg (with column/filter) or ratio")
        if self.agg is not None:
            Measure(agg=self.agg, column=self.column, filter=self.filter)
        return self

    def measure(self) -> Measure | None:
        """The KPI's own measure (None for a ratio)."""
        if self.agg is None:
            return None
        return Measure(agg=self.agg, column=self.column, filter=self.filter)


class TrendChart(Strict):
    """A measure over a date column by day/week/month/quarter/year."""

    type: Literal["trend"]
    date: str
    measure: Measure = Measure(agg="count")
    grain: Literal["day", "week", "month", "quarter", "year"] = "month"
    title: str | None = None
    format: str | None = None

    _check_format = field_validator("format")(_format)


class BreakdownChart(Strict):
    """A measure per value of a dimension: the top N values and, if asked, "Other"."""

    type: Literal["breakdown"]
    dimension: str
    measure: Measure = Measure(agg="count")
    top: int = Field(default=10, ge=1, le=50)
    other: bool = True
    title: str | None = None
    format: str | None = None

    _check_format = field_validator("format")(_format)


Chart = Annotated[TrendChart | BreakdownChart, Field(discriminator="type")]


class TableConfig(Strict):
    """A table or view of a source shown in the data view."""

    source: str
    name: str = Field(min_length=1, max_length=200)
    id: str | None = None
    title: str | None = Field(default=None, max_length=120)
    columns: dict[str, ColumnConfig] = Field(default_factory=dict)
    default_sort: list[SortConfig] = Field(default_factory=list, max_length=5)
    labels: dict[str, str] = Field(default_factory=dict)
    kpis: list[KpiConfig] | None = Field(default=None, max_length=8)
    charts: list[Chart] | None = Field(default=None, max_length=6)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str | None) -> str | None:
        if value is not None and not ID_RE.match(value):
            raise ValueError("an id is 1-80 letters, digits, '_', '.' or '-'")
        return value

    @property
    def key(self) -> str:
        """The id used in URLs: the configured one, else <source>.<name>."""
        return self.id or f"{self.source}.{self.name}"

    @property
    def schema_and_table(self) -> tuple[str | None, str]:
        """(schema, table) from a possibly schema-qualified name."""
        schema, _, table = self.name.rpartition(".")
        return (schema or None), table


class DashboardsConfig(Strict):
    """The whole file."""

    sources: dict[str, SourceConfig] = Field(default_factory=dict)
    tables: list[TableConfig] = Field(min_length=1)
