"""Discover a table's columns from the database and classify them for the grid."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashapp.services.grid.errors import GridQueryError

log = logging.getLogger(__name__)

# A text column with at most this many distinct values gets a multi-select (set) filter.
SET_LIMIT = 30


class ColumnKind(StrEnum):
    """How the grid filters, sorts and formats a column."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOL = "bool"


@dataclass(frozen=True)
class GridColumn:
    """One column the grid may show, filter and sort."""

    name: str
    kind: ColumnKind
    nullable: bool = True
    integer: bool = False
    datetime: bool = False  # a timestamp rather than a calendar date
    scale: int | None = None  # decimal places of a NUMERIC column
    choices: tuple[Any, ...] | None = None  # known values of a low-cardinality column

    @property
    def is_set(self) -> bool:
        """True when the column gets a multi-select filter."""
        return self.choices is not None


@dataclass(frozen=True)
class GridTable:
    """A reflected table with the whitelist of columns the grid may touch."""

    name: str
    table: sa.Table = field(compare=False)
    columns: tuple[GridColumn, ...]
    key: str | None  # a unique, non-null column used as the sort tiebreak

    def column(self, name: object) -> GridColumn:
        """The whitelisted column called `name`; GridQueryError for anything else."""
        if isinstance(name, str):
            for col in self.columns:
                if col.name == name:
                    return col
        shown = repr(name)[:60]
        raise GridQueryError(f"Unknown column {shown} for table {self.name!r}.")

    def sql(self, name: str) -> sa.ColumnElement[Any]:
        """The SQLAlchemy column for a whitelisted name."""
        return self.table.c[self.column(name).name]

    @property
    def text_columns(self) -> tuple[GridColumn, ...]:
        """Columns a quick search looks in."""
        return tuple(c for c in self.columns if c.kind is ColumnKind.TEXT)

    @property
    def set_columns(self) -> tuple[GridColumn, ...]:
        """Low-cardinality columns with a multi-select filter."""
        return tuple(c for c in self.columns if c.is_set)


def _classify(column: sa.Column[Any]) -> GridColumn | None:
    """Map a reflected column type to a grid column; None for types the grid cannot show."""
    kind: ColumnKind
    col_type = column.type
    integer = datetime = False
    scale: int | None = None
    if isinstance(col_type, sa.Boolean):
        kind = ColumnKind.BOOL
    elif isinstance(col_type, sa.Integer):
        kind, integer = ColumnKind.NUMBER, True
    elif isinstance(col_type, sa.Numeric):
        kind = ColumnKind.NUMBER
        scale = getattr(col_type, "scale", None)
    elif isinstance(col_type, sa.DateTime):
        kind, datetime = ColumnKind.DATE, True
    elif isinstance(col_type, sa.Date):
        kind = ColumnKind.DATE
    elif isinstance(col_type, sa.String | sa.Enum):
        kind = ColumnKind.TEXT
    else:
        return None
    return GridColumn(
        name=column.name,
        kind=kind,
        nullable=bool(column.nullable),
        integer=integer,
        datetime=datetime,
        scale=scale,
    )


def _sqlite_numeric_as_float(_inspector: Any, _table: sa.Table, info: dict[str, Any]) -> None:
    """SQLite stores NUMERIC as floats; read them as floats instead of warning about Decimal."""
    col_type = info["type"]
    if isinstance(col_type, sa.Numeric) and not isinstance(col_type, sa.Float):
        info["type"] = sa.Numeric(col_type.precision, col_type.scale, asdecimal=False)


def _pg_stats_choices(conn: Connection, table: str, limit: int) -> dict[str, tuple[Any, ...]]:
    """Values of low-cardinality columns from the planner's statistics (no table scan)."""
    rows = conn.execute(
        sa.text(
            "SELECT attname, n_distinct, array_to_json(most_common_vals::text::text[]) "
            "FROM pg_stats WHERE schemaname = current_schema() AND tablename = :table"
        ),
        {"table": table},
    ).all()
    found: dict[str, tuple[Any, ...]] = {}
    for name, n_distinct, values in rows:
        # Positive n_distinct is an absolute count; negative is a fraction of the rows.
        if values is None or not 0 < n_distinct <= limit:
            continue
        parsed = json.loads(values) if isinstance(values, str) else values
        if len(parsed) >= n_distinct:
            found[name] = tuple(sorted(parsed))
    return found


def _distinct_choices(conn: Connection, column: sa.Column[Any], limit: int) -> tuple[Any, ...]:
    """Up to `limit` distinct values, or () when there are more (then it is no set column)."""
    stmt = sa.select(column).where(column.is_not(None)).distinct().limit(limit + 1)
    values = [row[0] for row in conn.execute(stmt)]
    return tuple(sorted(values)) if len(values) <= limit else ()


def discover_table(engine: Engine, name: str, set_limit: int = SET_LIMIT) -> GridTable:
    """Reflect `name` and classify its columns; GridQueryError when it does not exist."""
    listeners = []
    if engine.dialect.name == "sqlite":
        listeners.append(("column_reflect", _sqlite_numeric_as_float))
    try:
        table = sa.Table(name, sa.MetaData(), autoload_with=engine, listeners=listeners)
    except sa.exc.NoSuchTableError:
        raise GridQueryError(f"Table {name!r} does not exist.") from None
    columns = [c for c in (_classify(col) for col in table.columns) if c is not None]
    pk = [col.name for col in table.primary_key.columns]
    key = pk[0] if len(pk) == 1 else ("id" if "id" in table.c else None)

    with engine.connect() as conn:
        stats = (
            _pg_stats_choices(conn, name, set_limit) if engine.dialect.name == "postgresql" else {}
        )
        classified = []
        for col in columns:
            choices: tuple[Any, ...] | None = None
            if col.kind is ColumnKind.TEXT and col.name != key:
                choices = stats.get(col.name)
                if choices is None and (engine.dialect.name != "postgresql" or not stats):
                    # No statistics yet (never analysed): ask the table, bounded by the limit.
                    choices = _distinct_choices(conn, table.c[col.name], set_limit) or None
            elif col.kind is ColumnKind.BOOL:
                choices = (False, True)
            classified.append(col if choices is None else replace(col, choices=choices))
    log.info("discovered table %s: %d columns", name, len(classified))
    return GridTable(name=name, table=table, columns=tuple(classified), key=key)
