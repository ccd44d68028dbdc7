"""Discover a table's columns from the database and classify them for the grid."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.set_choices import (
    EXACT_ROWS,
    bounded_row_count,
    distinct_choices,
    postgres_sample_percent,
)

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
    label: str | None = None  # header text (configured, else from the name)
    format: str | None = None  # a dashboards-file format (currency:EUR, percent, ...)
    hidden: bool = False
    width: int | None = None
    label_of: str | None = None  # for a foreign key's label column: the key column's name
    foreign_key: bool = False  # a column referencing another table (shown through its label)
    has_blank: bool = False  # NULL is among the column's values (offered as "(blank)")

    @property
    def is_set(self) -> bool:
        """True when the column gets a multi-select filter."""
        return self.choices is not None

    @property
    def header(self) -> str:
        """The column's header text."""
        return self.label or title_of(self.name)


def title_of(name: str) -> str:
    """A readable header from a column name: customer_id -> Customer id, FirstName -> First name."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:].lower() if spaced else name


# The quick search looks in a foreign key's label only when the referenced table is at most this
# big: the search then reads that table once (an uncorrelated IN), whatever the grid's size.
LABEL_SEARCH_ROWS = 200_000


@dataclass(frozen=True)
class LabelSearch:
    """How to search a foreign key's label: keys whose referenced label matches."""

    key: sa.ColumnElement[Any]  # the foreign key in the grid's table
    ref_key: sa.ColumnElement[Any]  # the referenced key, in an alias of its own
    ref_label: sa.ColumnElement[Any]  # the referenced label column, in the same alias
    referenced: sa.Table  # the referenced table (its size decides whether to search it)

    def matching(self, condition: Any) -> sa.ColumnElement[bool]:
        """`key IN (SELECT ref_key FROM ref WHERE condition(ref_label))`."""
        return self.key.in_(sa.select(self.ref_key).where(condition(self.ref_label)))


@dataclass(frozen=True)
class GridTable:
    """A reflected table with the whitelist of columns the grid may touch."""

    name: str  # the table's id in URLs and caches
    table: sa.Table = field(compare=False)
    columns: tuple[GridColumn, ...]
    key: str | None  # a unique, non-null column used as the sort tiebreak
    title: str | None = None
    dialect: str = "sqlite"
    # SQL of computed columns (foreign-key labels), by column name.
    expressions: dict[str, sa.ColumnElement[Any]] = field(
        default_factory=dict, compare=False, hash=False
    )
    # Foreign-key labels the quick search may look in, by label column name: a condition on the
    # key, given a condition on the referenced label (see filters.quick_search_condition).
    label_searches: dict[str, LabelSearch] = field(default_factory=dict, compare=False, hash=False)

    def __hash__(self) -> int:
        return hash((self.name, self.columns, self.key))

    def column(self, name: object) -> GridColumn:
        """The whitelisted column called `name`; GridQueryError for anything else."""
        if isinstance(name, str):
            for col in self.columns:
                if col.name == name:
                    return col
        shown = repr(name)[:60]
        raise GridQueryError(f"Unknown column {shown} for table {self.name!r}.")

    def sql(self, name: str) -> sa.ColumnElement[Any]:
        """The SQLAlchemy column (or computed expression) for a whitelisted name."""
        col = self.column(name)
        if col.name in self.expressions:
            return self.expressions[col.name]
        return self.table.c[col.name]

    def selected(self, name: str) -> sa.ColumnElement[Any]:
        """`sql(name)` labelled with the column's name, for a SELECT list."""
        return self.sql(name).label(name)

    @property
    def heading(self) -> str:
        """The table's title for the page."""
        return self.title or title_of(self.table.name)

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


# Text columns whose names read like a row's label, best first (foreign keys show these).
LABEL_NAMES = ("name", "title", "label", "display_name", "full_name", "username", "email", "code")


def label_column(table: sa.Table, configured: str | None = None) -> str | None:
    """The referenced table's column that names a row: configured, else a name-like text
    column; None when there is neither."""
    texts = [
        c.name
        for c in table.columns
        if isinstance(c.type, sa.String | sa.Enum) and not c.primary_key
    ]
    if configured is not None:
        return configured if configured in table.c else None
    lowered = {name.lower().replace("_", ""): name for name in texts}
    for wanted in LABEL_NAMES:
        if wanted.replace("_", "") in lowered:
            return lowered[wanted.replace("_", "")]
    for name in texts:
        if name.lower().endswith("name") or name.lower().endswith("title"):
            return name
    return None  # no name-like column: the bare key says more than an arbitrary text


def _foreign_labels(
    table: sa.Table, labels: Mapping[str, str]
) -> dict[str, tuple[str, sa.ColumnElement[Any], LabelSearch]]:
    """{fk column: (label column name, correlated label expression, its search)} for
    single-column keys."""
    found: dict[str, tuple[str, sa.ColumnElement[Any], LabelSearch]] = {}
    for constraint in table.foreign_key_constraints:
        if len(constraint.elements) != 1:
            continue
        element = constraint.elements[0]
        local, remote = element.parent, element.column
        target = label_column(remote.table, labels.get(local.name))
        if target is None or remote.table is table and target == local.name:
            continue
        ref = remote.table.alias(f"ref_{len(found)}")
        expression = (
            sa.select(ref.c[target]).where(ref.c[remote.name] == local).limit(1).scalar_subquery()
        )
        lookup = remote.table.alias(f"find_{len(found)}")
        search = LabelSearch(local, lookup.c[remote.name], lookup.c[target], remote.table)
        found[local.name] = (f"{local.name}__label", expression, search)
    return found


def _reflect(engine: Engine, name: str) -> sa.Table:
    """Reflect a possibly schema-qualified table or view; GridQueryError when missing."""
    listeners = []
    if engine.dialect.name == "sqlite":
        listeners.append(("column_reflect", _sqlite_numeric_as_float))
    schema, _, table_name = name.rpartition(".")
    try:
        return sa.Table(
            table_name, sa.MetaData(), schema=schema or None, autoload_with=engine,
            listeners=listeners,
        )  # fmt: skip
    except sa.exc.NoSuchTableError:
        raise GridQueryError(f"Table {name!r} does not exist.") from None


def discover_table(
    engine: Engine,
    name: str,
    set_limit: int = SET_LIMIT,
    table_id: str | None = None,
    options: TableOptions | None = None,
) -> GridTable:
    """Reflect `name` (tables and views, any schema) and classify its columns.

    Foreign keys get a computed label column; low-cardinality text columns get their values
    for a multi-select filter. GridQueryError when the table does not exist.
    """
    options = options or TableOptions()
    table = _reflect(engine, name)
    columns = [c for c in (_classify(col) for col in table.columns) if c is not None]
    pk = [col.name for col in table.primary_key.columns]
    key = pk[0] if len(pk) == 1 else ("id" if "id" in table.c else None)
    foreign = _foreign_labels(table, options.labels)
    with engine.connect() as conn:
        sample = bounded_row_count(conn, table) > EXACT_ROWS
        percent = postgres_sample_percent(conn, table) if sample else None
        classified: list[GridColumn] = []
        expressions: dict[str, sa.ColumnElement[Any]] = {}
        searches: dict[str, LabelSearch] = {}
        for col in columns:
            if col.kind is ColumnKind.TEXT and col.name != key:
                found = distinct_choices(conn, table, table.c[col.name], set_limit, sample, percent)
                if found is not None:
                    col = replace(col, choices=found[0], has_blank=found[1])
            elif col.kind is ColumnKind.BOOL:
                col = replace(col, choices=(False, True))
            if col.name in foreign:
                label_name, expression, search = foreign[col.name]
                col = replace(col, foreign_key=True, hidden=True)
                classified.append(col)
                expressions[label_name] = expression
                size = bounded_row_count(conn, search.referenced, LABEL_SEARCH_ROWS)
                if size <= LABEL_SEARCH_ROWS:
                    searches[label_name] = search
                classified.append(
                    GridColumn(
                        name=label_name,
                        kind=ColumnKind.TEXT,
                        label=title_of(re.sub(r"(_id|Id|_key)$", "", col.name)),
                        label_of=col.name,
                    )
                )
                continue
            classified.append(col)
    configured = tuple(_configure(c, options) for c in classified)
    log.info("discovered table %s: %d columns", name, len(configured))
    return GridTable(
        name=table_id or name,
        table=table,
        columns=_ordered(configured, options),
        key=key,
        title=options.title,
        dialect=engine.dialect.name,
        expressions=expressions,
        label_searches=searches,
    )


@dataclass(frozen=True)
class ColumnOptions:
    """What the dashboards file says about one column."""

    label: str | None = None
    format: str | None = None
    hidden: bool | None = None
    width: int | None = None
    order: int | None = None


@dataclass(frozen=True)
class TableOptions:
    """What the dashboards file says about a table's presentation."""

    title: str | None = None
    columns: Mapping[str, ColumnOptions] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


def _configure(col: GridColumn, options: TableOptions) -> GridColumn:
    # A foreign key's options apply to the label column the grid shows in its place.
    conf = options.columns.get(col.label_of or col.name) if not col.foreign_key else None
    conf = conf or (options.columns.get(col.name) if col.foreign_key else None)
    if conf is None:
        return col
    return replace(
        col,
        label=conf.label or col.label,
        format=conf.format or col.format,
        hidden=col.hidden if conf.hidden is None else conf.hidden,
        width=conf.width or col.width,
    )


def _ordered(columns: tuple[GridColumn, ...], options: TableOptions) -> tuple[GridColumn, ...]:
    """Configured columns first (by `order`, then as listed), the rest in table order."""
    listed = list(options.columns)

    def rank(item: tuple[int, GridColumn]) -> tuple[int, float, int]:
        index, col = item
        name = col.label_of or col.name
        conf = options.columns.get(name)
        if conf is None:
            return (1, 0, index)
        return (0, conf.order if conf.order is not None else 1e6 + listed.index(name), index)

    return tuple(col for _, col in sorted(enumerate(columns), key=rank))
