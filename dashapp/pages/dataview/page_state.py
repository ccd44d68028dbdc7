"""Turn the page's component values into the services' GridState."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from dashapp.pages.dataview.columns import sort_model_of
from dashapp.services.grid.service import GridState


def facets_of(columns: list[Any] | None, values: tuple[Any, ...] | list[Any]) -> dict[str, Any]:
    """{column: [values]} from the multi-select slots (`columns[i]` is slot i's column)."""
    # Both come from the browser: anything but a list (a forged request) counts as no facets.
    if not isinstance(columns, list) or not isinstance(values, tuple | list):
        return {}
    pairs = zip(columns, values, strict=False)
    return {c: v for c, v in pairs if isinstance(c, str) and v}


def page_state(
    filter_model: Any,
    column_state: Any,
    quick: Any,
    facet_columns: list[Any] | None,
    facet_values: tuple[Any, ...] | list[Any],
) -> dict[str, Any]:
    """The JSON state a saved view or an export link carries."""
    return {
        "filterModel": filter_model or {},
        "sortModel": sort_model_of(column_state),
        "quick": quick or "",
        "facets": facets_of(facet_columns, facet_values),
    }


def grid_state(filter_model: Any, sort_model: Any, quick: Any, facets: dict[str, Any]) -> GridState:
    """A GridState for the services."""
    return GridState(filter_model, sort_model, quick, facets)


def visible_columns(column_state: Any) -> list[str]:
    """The grid's visible columns in their on-screen order (what an export contains)."""
    if not isinstance(column_state, list):
        return []
    return [
        c["colId"]
        for c in column_state
        if isinstance(c, dict) and isinstance(c.get("colId"), str) and not c.get("hide")
    ]


def export_href(table: str, kind: str, state: dict[str, Any], column_state: Any) -> str:
    """The export URL for the current state (visible columns in their on-screen order)."""
    columns = visible_columns(column_state)
    query = {"state": json.dumps(state, separators=(",", ":"))}
    if columns:
        query["columns"] = ",".join(columns)
    return f"/export/{table}.{kind}?{urlencode(query)}"


MAX_URL_STATE = 8000


def url_search(table: str, state: dict[str, Any], view_id: Any = None) -> str:
    """The page's query string for what is on screen: table, view, filters, sort, search."""
    params: dict[str, Any] = {"table": table}
    if isinstance(view_id, int) and not isinstance(view_id, bool):
        params["view"] = view_id
    kept = {k: v for k, v in state.items() if v not in (None, "", {}, [])}
    if kept:
        text = json.dumps(kept, separators=(",", ":"), sort_keys=True)
        if len(text) <= MAX_URL_STATE:  # a longer state stays on the page (save it as a view)
            params["state"] = text
    return "?" + urlencode(params)


def state_from_url(raw: str | None) -> tuple[dict[str, Any], str]:
    """(state, problem) from the URL's `state` parameter; a broken one gives ({}, why)."""
    if not raw:
        return {}, ""
    if len(raw) > MAX_URL_STATE:
        return {}, "This link's filters are too long to read; showing the table unfiltered."
    try:
        data = json.loads(raw)
    except ValueError:
        return {}, "This link's filters could not be read; showing the table unfiltered."
    if not isinstance(data, dict):
        return {}, "This link's filters could not be read; showing the table unfiltered."
    keys = ("filterModel", "sortModel", "quick", "facets")
    return {k: data[k] for k in keys if k in data}, ""
