"""The active filters as short sentences for the chips above the grid, and date presets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.filters import BLANK
from dashapp.dataview.schema import GridTable

OPERATORS = {
    "contains": "contains", "notContains": "does not contain", "equals": "=",
    "notEqual": "≠", "startsWith": "starts with", "endsWith": "ends with",
    "lessThan": "<", "lessThanOrEqual": "≤", "greaterThan": ">", "greaterThanOrEqual": "≥",
    "blank": "is blank", "notBlank": "is not blank", "inRange": "between",
}  # fmt: skip
PRESETS = {
    "today": "Today",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "month": "This month",
    "quarter": "This quarter",
    "year": "This year",
}


@dataclass(frozen=True)
class Chip:
    """One active filter: the key that removes it and what it says."""

    key: str  # "filter:<column>", "facet:<column>" or "quick"
    text: str


def _value(condition: dict[str, Any]) -> str:
    if condition.get("filterType") == "date":
        start = str(condition.get("dateFrom") or "")[:10]
        end = str(condition.get("dateTo") or "")[:10]
        return f"{start} – {end}" if condition.get("type") == "inRange" else start
    if condition.get("type") == "inRange":
        return f"{condition.get('filter')} – {condition.get('filterTo')}"
    value = condition.get("filter")
    return "" if value is None else str(value)


def _condition_text(condition: object) -> str:
    if not isinstance(condition, dict):
        return "?"
    if isinstance(condition.get("conditions"), list):
        joiner = f" {str(condition.get('operator', 'AND')).lower()} "
        return joiner.join(_condition_text(c) for c in condition["conditions"])
    if condition.get("filterType") == "set":
        return "is one of " + ", ".join(str(v) for v in condition.get("values") or [])
    op = OPERATORS.get(str(condition.get("type")), str(condition.get("type")))
    return f"{op} {_value(condition)}".strip()


def _header(table: GridTable, name: str) -> str:
    try:
        return table.column(name).header
    except GridQueryError:
        return name


def chips(
    table: GridTable, filter_model: object, quick: object, facets: dict[str, Any]
) -> list[Chip]:
    """A chip per filtered column, per chosen multi-select and for the search text."""
    found: list[Chip] = []
    if isinstance(filter_model, dict):
        for name, condition in filter_model.items():
            text = f"{_header(table, name)} {_condition_text(condition)}"
            found.append(Chip(f"filter:{name}", text[:120]))
    for name, values in facets.items():
        shown = ["(blank)" if v == BLANK else str(v) for v in values]
        found.append(Chip(f"facet:{name}", f"{_header(table, name)}: {', '.join(shown)}"[:120]))
    if isinstance(quick, str) and quick.strip():
        found.append(Chip("quick", f"Search “{quick.strip()[:60]}”"))
    return found


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of a date preset, relative to `today`."""
    if preset == "today":
        return today, today
    if preset in ("7d", "30d", "90d"):
        return today - dt.timedelta(days=int(preset[:-1]) - 1), today
    if preset == "month":
        return today.replace(day=1), today
    if preset == "quarter":
        return today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), today
    if preset == "year":
        return today.replace(month=1, day=1), today
    raise ValueError(f"unknown date preset {preset!r}")


# The date menu's last entry: two date fields for a range of one's own.
CUSTOM = "custom"


def custom_range(start: object, end: object) -> tuple[dt.date, dt.date] | str:
    """(first, last) day from the range picker's values, or what is wrong with them."""
    try:
        first = dt.date.fromisoformat(str(start)[:10])
        last = dt.date.fromisoformat(str(end)[:10])
    except ValueError:
        return "Enter both dates as YYYY-MM-DD."
    if last < first:
        return "The end date is before the start date."
    return first, last


def range_filter(first: dt.date, last: dt.date) -> dict[str, Any]:
    """The AG Grid date filter of an inclusive range of days."""
    return {
        "filterType": "date",
        "type": "inRange",
        "dateFrom": f"{first.isoformat()} 00:00:00",
        "dateTo": f"{last.isoformat()} 00:00:00",
    }


def preset_filter(preset: str, today: dt.date) -> dict[str, Any]:
    """The AG Grid date filter of a preset (inclusive range)."""
    return range_filter(*preset_range(preset, today))
