"""AG Grid column definitions and initial state from a discovered table and a saved view."""

from __future__ import annotations

import json
from typing import Any

from dashapp.dataview.schema import ColumnKind, GridColumn, GridTable

MONEY_NAMES = ("amount", "price", "unit_price", "revenue", "total", "cost")
FILTER_BY_KIND = {
    ColumnKind.TEXT: "agTextColumnFilter",
    ColumnKind.NUMBER: "agNumberColumnFilter",
    ColumnKind.DATE: "agDateColumnFilter",
}
SORTS = ("asc", "desc")
PIN_SIDES = ("left", "right")


def _formatter(col: GridColumn) -> dict[str, str] | None:
    """The cell formatter: the configured format, else one guessed from the column's type."""
    if col.format is not None:
        return {"function": f"dvFormat(params.value, {json.dumps(col.format)})"}
    if col.kind is ColumnKind.NUMBER:
        if col.name in MONEY_NAMES and not col.integer:
            return {"function": "dvMoney(params.value)"}
        digits = 0 if col.integer else (col.scale if col.scale is not None else 2)
        return {"function": f"dvNumber(params.value, {digits})"}
    if col.kind is ColumnKind.DATE:
        return {"function": "dvDate(params.value)"}
    if col.kind is ColumnKind.TEXT:
        return {"function": "dvText(params)"}  # NULL reads "(blank)"
    return None


# Rough pixel widths for sizing columns before any row has arrived (infinite model): the
# header's text plus its sort/filter icons, and what the column's values usually need.
CHAR_PX = 8
HEADER_EXTRA_PX = 64
CONTENT_PX = {ColumnKind.NUMBER: 100, ColumnKind.DATE: 120, ColumnKind.BOOL: 80}


def content_width(col: GridColumn) -> int:
    """The width a column needs for its header and typical content, so nothing reads "Cus…"."""
    header = len(col.header) * CHAR_PX + HEADER_EXTRA_PX
    if col.kind is ColumnKind.TEXT:
        if col.choices:
            longest = max(len(str(v)) for v in col.choices)
            content = longest * CHAR_PX + (48 if col.name.endswith("status") else 32)
        else:
            content = 180 if col.label_of else 160
    else:
        content = CONTENT_PX.get(col.kind, 100)
        if col.format and col.format.startswith("currency"):
            content += 20
    return min(max(header, content, 90), 360)


def column_def(col: GridColumn, key: str | None) -> dict[str, Any]:
    """One column: typed filter, formatter or renderer; the key column pinned left."""
    spec: dict[str, Any] = {"field": col.name, "headerName": col.header}
    spec["minWidth"] = content_width(col)
    spec["headerTooltip"] = col.header if col.label_of is None else f"{col.header} ({col.label_of})"
    spec["filter"] = FILTER_BY_KIND.get(col.kind, False)
    # Combined conditions (AND/OR) of two clauses; ranges include both ends (server agrees).
    spec["filterParams"] = {"maxNumConditions": 2, "inRangeInclusive": True, "debounceMs": 400}
    if col.kind is ColumnKind.NUMBER:
        spec["type"] = "rightAligned"
    formatter = _formatter(col)
    if formatter is not None:
        spec["valueFormatter"] = formatter
    if col.kind is ColumnKind.BOOL:
        spec["cellRenderer"] = "DvBool"
    elif col.name == "status" or (col.is_set and col.name.endswith("status")):
        spec["cellRenderer"] = "DvStatus"
    if col.name == key:
        spec.update(pinned="left", width=100, lockPinned=True, headerName=col.label or "ID")
        spec["minWidth"] = 90
    if col.hidden:
        spec["hide"] = True
    if col.width is not None:
        spec.update(width=col.width, flex=0)
    return spec


def column_defs(table: GridTable) -> list[dict[str, Any]]:
    """Columns in table order."""
    return [column_def(col, table.key) for col in table.columns]


def sort_model_of(column_state: object) -> list[dict[str, str]]:
    """The sort model that a saved column state implies (sorted columns by sortIndex)."""
    if not isinstance(column_state, list):
        return []
    sorted_cols = [
        c
        for c in column_state
        if isinstance(c, dict) and c.get("sort") in SORTS and isinstance(c.get("colId"), str)
    ]
    sorted_cols.sort(key=lambda c: c.get("sortIndex") or 0)
    return [{"colId": c["colId"], "sort": c["sort"]} for c in sorted_cols]


def initial_state(table: GridTable, state: dict[str, Any]) -> dict[str, Any]:
    """AG Grid `initialState` from a saved view, so the very first block request already fits."""
    known = {c.name for c in table.columns}
    column_state = [
        c for c in state.get("columnState") or [] if isinstance(c, dict) and c.get("colId") in known
    ]
    result: dict[str, Any] = {}
    if isinstance(state.get("filterModel"), dict):
        result["filter"] = {"filterModel": state["filterModel"]}
    sort = sort_model_of(column_state) or _url_sort(state, known)
    if sort:
        result["sort"] = {"sortModel": sort}
    if column_state:
        result.update(_column_layout(column_state))
    return result


def _url_sort(state: dict[str, Any], known: set[str]) -> list[dict[str, str]]:
    """The sort model of a shared URL's state (known columns only)."""
    if not isinstance(state.get("sortModel"), list):
        return []
    return [
        {"colId": s["colId"], "sort": s["sort"]}
        for s in state["sortModel"]
        if isinstance(s, dict) and s.get("colId") in known and s.get("sort") in SORTS
    ]


def _column_layout(column_state: list[dict[str, Any]]) -> dict[str, Any]:
    """Order, hidden columns, widths and pins of a (non-empty) saved column state."""
    layout: dict[str, Any] = {"columnOrder": {"orderedColIds": [c["colId"] for c in column_state]}}
    hidden = [c["colId"] for c in column_state if c.get("hide")]
    if hidden:
        layout["columnVisibility"] = {"hiddenColIds": hidden}
    widths = _widths(column_state)
    if widths:
        layout["columnSizing"] = {"columnSizingModel": widths}
    pins = {side: _pinned(column_state, side) for side in PIN_SIDES}
    if pins["left"] or pins["right"]:
        layout["columnPinning"] = {"leftColIds": pins["left"], "rightColIds": pins["right"]}
    return layout


def _widths(column_state: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The saved widths (numbers only) by column."""
    return [
        {"colId": c["colId"], "width": c["width"]}
        for c in column_state
        if isinstance(c.get("width"), int | float)
    ]


def _pinned(column_state: list[dict[str, Any]], side: str) -> list[str]:
    """The columns pinned to `side`, in order."""
    return [c["colId"] for c in column_state if c.get("pinned") == side]
