"""Grid callbacks: answer block requests from SQL, drop stale answers, purge, export links."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State
from dash.exceptions import PreventUpdate

from dashapp.dataview.binding import current_dataview
from dashapp.dataview.errors import GridQueryError
from dashapp.pages.dataview import ids
from dashapp.pages.dataview.page_state import (
    export_href,
    facets_of,
    grid_state_of,
    page_state,
    visible_columns,
)
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role
from dashapp.web.slots import query_slot

log = logging.getLogger(__name__)
FACET_STATES = [State(slot, "value") for slot in ids.FACET_SLOTS]
FACET_INPUTS = [Input(slot, "value") for slot in ids.FACET_SLOTS]
ECHO_KEYS = ("startRow", "endRow", "sortModel", "filterModel")


def status_text(rows: int, exact: bool) -> str:
    """The line under the grid: how many rows match (≈ while estimated), and when."""
    refreshed = dt.datetime.now().strftime("%H:%M:%S")
    return f"{'' if exact else '≈ '}{rows:,} rows · refreshed {refreshed}"


def answer_block(
    request: Any,
    table: str,
    quick: Any,
    facet_columns: list[Any] | None,
    facet_values: tuple[Any, ...],
) -> dict[str, Any]:
    """The answer to one getRowsRequest: the block, the status line and an error message.

    One output: the page's `deliver` hands the block to the grid and writes the status line and
    the message only when the answer is for what the grid shows now (a late answer to an
    earlier filter changes nothing on screen).
    """
    if not isinstance(request, dict):
        raise PreventUpdate
    # Echo what this answer is for: the browser drops it if the grid has moved on meanwhile.
    echo = {
        "request": {k: request.get(k) for k in ECHO_KEYS},
        "quick": quick or "",
        "facets": list(facet_values),
    }
    state = grid_state_of(
        request.get("filterModel"),
        request.get("sortModel"),
        quick,
        facets_of(facet_columns, facet_values),
    )
    try:
        with query_slot():
            result = current_dataview().rows(
                table, state, request.get("startRow"), request.get("endRow")
            )
    except GridQueryError as exc:
        log.warning("grid request refused for %s: %s", table, exc)
        return {**echo, "rowData": [], "rowCount": 0, "status": "0 rows", "error": str(exc)}
    status = status_text(result.row_count, result.exact)
    return {
        **echo,
        "rowData": result.rows,
        "rowCount": result.row_count,
        "status": status,
        "error": "",
    }


def register_grid_callbacks(app: Dash) -> None:
    """Bind the grid's callbacks."""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.ROWS, "data"),
        Input(ids.GRID, "getRowsRequest"),
        State(ids.TABLE, "data"),
        State(ids.QUICK, "value"),
        State(ids.FACET_COLUMNS, "data"),
        *FACET_STATES,
        prevent_initial_call=True,
    )
    def _rows(
        request: Any, table: str, quick: Any, facet_columns: list[Any] | None, *facet_values: Any
    ) -> dict[str, Any]:
        return answer_block(request, table, quick, facet_columns, facet_values)

    app.clientside_callback(
        ClientsideFunction(namespace="dataview", function_name="deliver"),
        Output(ids.GRID, "getRowsResponse"),
        Output(ids.READY, "data"),
        Output(ids.STATUS, "children"),
        Output(ids.GRID_ERROR, "children"),
        Input(ids.ROWS, "data"),
        State(ids.GRID, "getRowsRequest"),
        State(ids.READY, "data"),
        State(ids.QUICK, "value"),
        *FACET_STATES,
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="dataview", function_name="purge"),
        Output(ids.PURGE, "data"),
        Input(ids.QUICK, "value"),
        *FACET_INPUTS,
        State(ids.GRID, "id"),
        prevent_initial_call=True,
    )

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.EXPORT_CSV, "href"),
        Output(ids.XLSX_ARGS, "data"),
        Input(ids.GRID, "filterModel"),
        Input(ids.GRID, "columnState"),
        Input(ids.QUICK, "value"),
        *FACET_INPUTS,
        State(ids.TABLE, "data"),
        State(ids.FACET_COLUMNS, "data"),
    )
    def _export_links(
        filter_model: Any, column_state: Any, quick: Any, *rest: Any
    ) -> tuple[str, dict[str, Any]]:
        # Inputs come before States: the slot values, then table and slot columns.
        facet_values, (table, facet_columns) = rest[: ids.MAX_FACETS], rest[ids.MAX_FACETS :]
        state = page_state(filter_model, column_state, quick, facet_columns, facet_values)
        # CSV streams from a link; Excel is built by a background job from these arguments.
        excel = {"state": state, "columns": visible_columns(column_state)}
        return export_href(table, "csv", state, column_state), excel
