"""A block's cells as the browser takes them: numbers as floats, dates as ISO text."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

_ISOFORMAT = operator.methodcaller("isoformat")


def _converter(value: Any) -> Callable[[Any], Any] | None:
    """How a column whose cells look like `value` becomes jsonable (None: it already is)."""
    if isinstance(value, Decimal):
        return float
    if isinstance(value, dt.date | dt.datetime):
        return _ISOFORMAT
    return None


def jsonable_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` with their cells made jsonable (numbers as floats, dates as ISO text), in place:
    only the columns that need it are visited (a block is 100-1000 rows; most cells are already
    text or numbers).

    A column's type is read off its first non-NULL cell (a database column has one type), and
    its cells are converted by that type's function without asking each cell again.
    """
    if not rows:
        return rows
    converters: list[tuple[str, Callable[[Any], Any]]] = []
    unknown = set(rows[0])
    for row in rows:
        for key in [k for k in unknown if row[k] is not None]:
            unknown.discard(key)
            convert = _converter(row[key])
            if convert is not None:
                converters.append((key, convert))
        if not unknown:
            break
    for key, convert in converters:
        for row in rows:
            value = row[key]
            if value is not None:
                row[key] = convert(value)
    return rows
