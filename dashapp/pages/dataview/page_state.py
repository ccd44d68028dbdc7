"""The page's component values as the grid state (dataview/grid_state.py serialises it)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import BadRequest

from dashapp.dataview import grid_state
from dashapp.dataview.grid_state import GridState
from dashapp.pages.dataview.columns import sort_model_of


def facets_of(columns: list[Any] | None, values: tuple[Any, ...] | list[Any]) -> dict[str, Any]:
    """{column: [values]} from the multi-select slots (`columns[i]` is slot i's column)."""
    # Both come from the browser: anything but a list (a forged request) counts as no facets.
    if not isinstance(columns, list) or not isinstance(values, tuple | list):
        return {}
    pairs = zip(columns, values, strict=False)
    # A slot is a multi-select: only a list is its value.
    return {c: v for c, v in pairs if isinstance(c, str) and isinstance(v, list) and v}


def page_state(
    filter_model: Any,
    column_state: Any,
    quick: Any,
    facet_columns: list[Any] | None,
    facet_values: tuple[Any, ...] | list[Any],
) -> dict[str, Any]:
    """The query state (grid_state.QUERY_KEYS) of what the page shows; a value not of the
    state's form (only a forged request sends one) is a 400 with the reason."""
    try:
        return grid_state.from_page(
            filter_model or {},
            sort_model_of(column_state),
            quick or "",
            facets_of(facet_columns, facet_values),
        )
    except grid_state.GridStateError as exc:
        raise BadRequest(str(exc)) from None


def grid_state_of(
    filter_model: Any, sort_model: Any, quick: Any, facets: dict[str, Any]
) -> GridState:
    """A GridState for the services (validated against the table by the query)."""
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
    query = {"state": grid_state.dumps(grid_state.query_part(state))}
    if columns:
        query["columns"] = ",".join(columns)
    return f"/export/{table}.{kind}?{urlencode(query)}"


def url_base(opened: Any, by_share: str | None, state: dict[str, Any]) -> dict[str, Any]:
    """What the page's URL is written against: the view it opened (by id or share token)
    and that view's query state. Kept in a store; see filters_callbacks' URL sync."""
    if opened is None:
        return {"view": None, "share": None, "state": {}}
    return {
        "view": opened.id,
        "share": by_share,
        "state": grid_state.query_part(state),
    }


def page_search(table: str, state: dict[str, Any], view_id: Any, base: Any) -> str:
    """The page's query string for what is on screen (see grid_state.page_query)."""
    base = base if isinstance(base, dict) else {}
    same_view = view_id is not None and view_id == base.get("view")
    if not same_view:  # the view was deleted (or none is open): the state says it all
        return grid_state.page_query(table, state)
    share = base.get("share") if isinstance(base.get("share"), str) else None
    opens = base.get("state") if isinstance(base.get("state"), dict) else {}
    return grid_state.page_query(table, state, view_id, share, opens)
