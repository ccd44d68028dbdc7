"""AG Grid filter models -> SQLAlchemy conditions with bound parameters, through a whitelist."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.schema import ColumnKind, GridColumn, GridTable

Clause = sa.ColumnElement[bool]

MAX_FILTERED_COLUMNS = 40
MAX_CONDITIONS = 8
MAX_TEXT = 200
MAX_SET_VALUES = 500
# The value a multi-select sends for "(blank)": NULL (or empty text) in the column.
BLANK = "__blank__"

TEXT_OPS = frozenset(
    {"contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank", "notBlank"}
)
SCALAR_OPS = frozenset(
    {
        "equals",
        "notEqual",
        "lessThan",
        "lessThanOrEqual",
        "greaterThan",
        "greaterThanOrEqual",
        "inRange",
        "blank",
        "notBlank",
    }
)
FILTER_KINDS = {"text": ColumnKind.TEXT, "number": ColumnKind.NUMBER, "date": ColumnKind.DATE}
_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?$")


def _short(value: object) -> str:
    """A value quoted for an error message, cut so hostile input cannot flood the UI or logs."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _text_value(col: GridColumn, raw: object) -> str:
    if not isinstance(raw, str):
        raise GridQueryError(f"Filter on {col.name!r} needs a text value, got {_short(raw)}.")
    if len(raw) > MAX_TEXT:
        raise GridQueryError(f"Filter text on {col.name!r} is longer than {MAX_TEXT} characters.")
    if "\x00" in raw:
        raise GridQueryError(f"Filter text on {col.name!r} contains a NUL character.")
    return raw


MAX_DECIMALS = 15


def _number_value(col: GridColumn, raw: object) -> int | float | Decimal:
    """A finite number typed like the column, so PostgreSQL can use the column's index."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise GridQueryError(f"Filter on {col.name!r} needs a number, got {_short(raw)}.")
    try:
        number = Decimal(str(raw).strip()) if isinstance(raw, str) else Decimal(repr(raw))
    except InvalidOperation:
        raise GridQueryError(f"Filter on {col.name!r} needs a number, got {_short(raw)}.") from None
    if not number.is_finite() or abs(number) > Decimal("1e15"):
        raise GridQueryError(f"Filter on {col.name!r} needs a finite number, got {_short(raw)}.")
    # PostgreSQL's numeric refuses exponents like 1e-999999; no column here has that precision.
    if number and number.adjusted() < -MAX_DECIMALS:
        raise GridQueryError(
            f"Filter on {col.name!r} has more than {MAX_DECIMALS} decimal places: {_short(raw)}."
        )
    if col.integer and number == number.to_integral_value():
        return int(number)
    if col.scale is None and not col.integer:
        return float(number)  # a FLOAT/REAL column
    return number


def _date_value(col: GridColumn, raw: object) -> dt.date:
    match = _DATE_RE.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise GridQueryError(
            f"Filter on {col.name!r} needs a date (YYYY-MM-DD), got {_short(raw)}."
        )
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise GridQueryError(f"Filter on {col.name!r} has an invalid date {_short(raw)}.") from None


def _text_condition(col: GridColumn, column: sa.ColumnElement[Any], f: Mapping[str, Any]) -> Clause:
    op = f.get("type")
    if op not in TEXT_OPS:
        raise GridQueryError(f"Unknown text filter operator {_short(op)} on {col.name!r}.")
    if op == "blank":
        return sa.or_(column.is_(None), column == "")
    if op == "notBlank":
        return sa.and_(column.is_not(None), column != "")
    value = _text_value(col, f.get("filter"))
    # Case-insensitive like AG Grid's default; autoescape makes % and _ in the value literal.
    if op == "contains":
        return column.icontains(value, autoescape=True)
    if op == "notContains":
        return sa.or_(column.is_(None), sa.not_(column.icontains(value, autoescape=True)))
    if op == "startsWith":
        return column.istartswith(value, autoescape=True)
    if op == "endsWith":
        return column.iendswith(value, autoescape=True)
    equal = sa.func.lower(column) == value.lower()
    if op == "equals":
        return equal
    return sa.or_(column.is_(None), sa.not_(equal))  # notEqual: blanks pass, as in AG Grid


def _range_bounds(
    col: GridColumn,
    f: Mapping[str, Any],
    parse: Callable[[GridColumn, object], Any],
    keys: tuple[str, str],
) -> tuple[Any, Any]:
    low, high = parse(col, f.get(keys[0])), parse(col, f.get(keys[1]))
    return (low, high) if low <= high else (high, low)


def _scalar_condition(
    col: GridColumn, column: sa.ColumnElement[Any], f: Mapping[str, Any]
) -> Clause:
    op = f.get("type")
    if op not in SCALAR_OPS:
        raise GridQueryError(f"Unknown {col.kind} filter operator {_short(op)} on {col.name!r}.")
    if op == "blank":
        return column.is_(None)
    if op == "notBlank":
        return column.is_not(None)
    if col.kind is ColumnKind.NUMBER:
        parse: Callable[[GridColumn, object], Any] = _number_value
        keys = ("filter", "filterTo")
    else:
        parse, keys = _date_value, ("dateFrom", "dateTo")
    if op == "inRange":
        low, high = _range_bounds(col, f, parse, keys)
        if col.datetime:  # a whole day at each end for timestamps
            return sa.and_(column >= low, column < high + dt.timedelta(days=1))
        return sa.and_(column >= low, column <= high)  # inclusive, as the grid is configured
    value = parse(col, f.get(keys[0]))
    if col.datetime:
        day_end = value + dt.timedelta(days=1)
        by_day = {
            "equals": sa.and_(column >= value, column < day_end),
            "notEqual": sa.or_(column < value, column >= day_end),
            "lessThan": column < value,
            "lessThanOrEqual": column < day_end,
            "greaterThan": column >= day_end,
            "greaterThanOrEqual": column >= value,
        }
        return by_day[op]
    compare: dict[str, Callable[[], Clause]] = {
        "equals": lambda: column == value,
        "notEqual": lambda: column != value,
        "lessThan": lambda: column < value,
        "lessThanOrEqual": lambda: column <= value,
        "greaterThan": lambda: column > value,
        "greaterThanOrEqual": lambda: column >= value,
    }
    return compare[op]()


def set_condition(table: GridTable, name: object, values: object) -> Clause:
    """`column IN (values)` for a multi-select; None among the values also matches NULL."""
    col = table.column(name)
    column = table.sql(col.name)
    if not isinstance(values, list) or len(values) > MAX_SET_VALUES:
        raise GridQueryError(
            f"Set filter on {col.name!r} needs a list of up to {MAX_SET_VALUES} values."
        )
    wanted: list[Any] = []
    null = blank = False
    for raw in values:
        if raw is None:  # NULL only, as AG Grid's set filter means it
            null = True
            continue
        if raw == BLANK:  # "(blank)" in a multi-select: NULL or empty text
            blank = True
            continue
        if col.kind is ColumnKind.BOOL:
            if not isinstance(raw, bool):
                raise GridQueryError(f"Set filter on {col.name!r} needs true/false values.")
            wanted.append(raw)
        elif col.kind is ColumnKind.NUMBER:
            wanted.append(_number_value(col, raw))
        elif col.kind is ColumnKind.DATE:
            wanted.append(_date_value(col, raw))
        else:
            wanted.append(_text_value(col, raw))
    clause: Clause = column.in_(wanted)
    if null or blank:
        empty: Clause = column.is_(None)
        if blank and col.kind is ColumnKind.TEXT:
            empty = sa.or_(empty, column == "")
        clause = sa.or_(clause, empty)
    return clause


def _simple_condition(table: GridTable, col: GridColumn, f: object) -> Clause:
    if not isinstance(f, Mapping):
        raise GridQueryError(f"Filter on {col.name!r} must be an object.")
    filter_type = f.get("filterType")
    if filter_type == "set":
        return set_condition(table, col.name, f.get("values"))
    if filter_type not in FILTER_KINDS:
        raise GridQueryError(f"Unknown filter type {_short(filter_type)} on {col.name!r}.")
    if FILTER_KINDS[filter_type] is not col.kind:
        raise GridQueryError(
            f"A {filter_type} filter does not fit the {col.kind} column {col.name!r}."
        )
    column = table.sql(col.name)
    if col.kind is ColumnKind.TEXT:
        return _text_condition(col, column, f)
    return _scalar_condition(col, column, f)


def _column_condition(table: GridTable, col: GridColumn, f: object) -> Clause:
    """One column's filter: simple, or combined with AND/OR over `conditions`."""
    if not isinstance(f, Mapping):
        raise GridQueryError(f"Filter on {col.name!r} must be an object.")
    conditions = f.get("conditions")
    if conditions is None and "condition1" in f:  # pre-29.2 models still saved in old views
        conditions = [c for c in (f.get("condition1"), f.get("condition2")) if c is not None]
    if conditions is None:
        return _simple_condition(table, col, f)
    if not isinstance(conditions, list) or not 1 <= len(conditions) <= MAX_CONDITIONS:
        raise GridQueryError(f"Filter on {col.name!r} needs 1 to {MAX_CONDITIONS} conditions.")
    operator = f.get("operator", "AND")
    if operator not in ("AND", "OR"):
        raise GridQueryError(f"Unknown filter operator {_short(operator)} on {col.name!r}.")
    parts = [_simple_condition(table, col, c) for c in conditions]
    return sa.and_(*parts) if operator == "AND" else sa.or_(*parts)


def filter_conditions(table: GridTable, model: object) -> list[Clause]:
    """Conditions (to AND together) for an AG Grid filter model; GridQueryError on bad input."""
    if model is None:
        return []
    if not isinstance(model, Mapping):
        raise GridQueryError("The filter model must be an object keyed by column.")
    if len(model) > MAX_FILTERED_COLUMNS:
        raise GridQueryError(f"At most {MAX_FILTERED_COLUMNS} columns can be filtered at once.")
    return [_column_condition(table, table.column(name), f) for name, f in model.items()]


def quick_search_condition(table: GridTable, text: object, max_words: int = 5) -> Clause | None:
    """Every word must appear (case-insensitively) in some text column."""
    if text is None or text == "":
        return None
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise GridQueryError(f"The search must be text of at most {MAX_TEXT} characters.")
    words = [w for w in text.replace("\x00", " ").split() if w][:max_words]
    columns = [table.sql(c.name) for c in table.text_columns if c.label_of is None]
    # A foreign key's label is searched through its referenced table (read once, not a lookup
    # per row), and only where that table is small enough (schema.LABEL_SEARCH_ROWS).
    labels = [
        table.label_searches[c.name] for c in table.text_columns if c.name in table.label_searches
    ]
    if not words:
        return None
    if not columns and not labels:
        raise GridQueryError(f"Table {table.name!r} has no text columns to search.")

    def word_matches(word: str) -> Clause:
        def contains(column: sa.ColumnElement[Any]) -> Clause:
            return column.icontains(word, autoescape=True)

        return sa.or_(*map(contains, columns), *(label.matching(contains) for label in labels))

    return sa.and_(*(word_matches(w) for w in words))
