"""Filter chips with clear all, date presets, and a link that reproduces the screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashapp.dataview.binding import current_dataview
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.schema import ColumnKind, GridTable
from dashapp.pages.dataview import ids
from dashapp.pages.dataview.chips import (
    CUSTOM,
    PRESETS,
    chips,
    custom_range,
    preset_filter,
    range_filter,
)
from dashapp.pages.dataview.page_state import facets_of, page_search, page_state
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role

FACET_INPUTS = [Input(slot, "value") for slot in ids.FACET_SLOTS]
FACET_STATES = [State(slot, "value") for slot in ids.FACET_SLOTS]


def date_column(table: str) -> str | None:
    """The column date presets filter: the trend's date, else the first date column."""
    view = current_dataview()
    spec = view.dashboard(table)
    if spec.trend is not None:
        return spec.trend.column
    dates = [c.name for c in view.table(table).columns if c.kind is ColumnKind.DATE]
    return dates[0] if dates else None


def chip_buttons(found: list[Any]) -> list[Any]:
    """A removable badge per active filter."""
    return [
        html.Span(
            [
                html.Span(chip.text, className="dv-chip-text"),
                html.Button(
                    html.I(className="bi bi-x", **{"aria-hidden": "true"}),  # type: ignore[arg-type]
                    id=ids.chip_id(chip.key),
                    className="btn btn-link btn-sm p-0 ms-1 dv-chip-remove",
                    title=f"Remove: {chip.text}",
                    **{"aria-label": f"Remove filter: {chip.text}"},  # type: ignore[arg-type]
                ),
            ],
            className="badge rounded-pill bg-body-secondary text-body border dv-chip",
        )
        for chip in found
    ]


def register_filter_callbacks(app: Dash) -> None:
    """Bind chips, clear all, date presets, the URL and share link, and the column chooser."""

    app.clientside_callback(
        ClientsideFunction(namespace="dataview", function_name="pinColumns"),
        Output(ids.PINNED_DONE, "data"),
        Input(ids.PINNED, "value"),
        State(ids.PINNED, "options"),
        State(ids.GRID, "id"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="dataview", function_name="showColumns"),
        Output(ids.COLUMNS_DONE, "data"),
        Input(ids.COLUMNS, "value"),
        State(ids.COLUMNS, "options"),
        State(ids.GRID, "id"),
        prevent_initial_call=True,
    )

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.CHIPS, "children"),
        Output(ids.CLEAR_ALL, "className"),
        Output(ids.SHARE_LINK, "href"),
        Output(ids.URL_SYNC, "data"),
        Input(ids.GRID, "filterModel"),
        Input(ids.GRID, "columnState"),
        Input(ids.QUICK, "value"),
        *FACET_INPUTS,
        Input(ids.VIEW_ID, "data"),  # a deleted view leaves the URL (its state stays)
        State(ids.TABLE, "data"),
        State(ids.FACET_COLUMNS, "data"),
        State(ids.URL_BASE, "data"),
    )
    def _state_shown(filter_model: Any, column_state: Any, quick: Any, *rest: Any) -> Any:
        facet_values, (view_id, table, facet_columns, base) = (
            rest[: ids.MAX_FACETS],
            rest[ids.MAX_FACETS :],
        )
        try:
            grid_table = current_dataview().table(table)
        except GridQueryError:
            raise PreventUpdate from None
        facets = facets_of(facet_columns, facet_values)
        found = chips(grid_table, filter_model, quick, facets)
        state = page_state(filter_model, column_state, quick, facet_columns, facet_values)
        hidden = "" if found else " d-none"
        search = page_search(table, state, view_id, base)
        return (
            chip_buttons(found),
            "btn btn-sm btn-outline-secondary dv-clear-all" + hidden,
            "/" + search,
            search,
        )

    # The address bar follows what is on screen, without a navigation: replaceState is not
    # seen by Dash's router (so the page is not rendered again); assets/dataview_url.js makes
    # a later navigation to the page's first address still re-render it.
    app.clientside_callback(
        ClientsideFunction(namespace="dataviewUrl", function_name="follow"),
        Output(ids.URL_SYNCED, "data"),
        Input(ids.URL_SYNC, "data"),
        prevent_initial_call=True,
    )

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.GRID, "filterModel", allow_duplicate=True),
        Output(ids.QUICK, "value", allow_duplicate=True),
        *(Output(slot, "value", allow_duplicate=True) for slot in ids.FACET_SLOTS),
        Output(ids.DATE_PRESET, "value", allow_duplicate=True),
        Input(ids.chip_id(ALL), "n_clicks"),
        Input(ids.CLEAR_ALL, "n_clicks"),
        State(ids.GRID, "filterModel"),
        State(ids.QUICK, "value"),
        State(ids.FACET_COLUMNS, "data"),
        *FACET_STATES,
        prevent_initial_call=True,
    )
    def _remove(
        _chips: Any, _clear: Any, filter_model: Any, quick: Any, facet_columns: Any, *values: Any
    ) -> list[Any]:
        trigger = ctx.triggered_id
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            raise PreventUpdate  # chips appearing (n_clicks None) is no click
        model = dict(filter_model) if isinstance(filter_model, dict) else {}
        columns = list(facet_columns or [None] * ids.MAX_FACETS)
        slots = list(values)
        if trigger == ids.CLEAR_ALL:
            return [{}, "", *([[] for _ in slots]), None]
        key = trigger.get("key") if isinstance(trigger, dict) else None
        if not isinstance(key, str):
            raise PreventUpdate
        if key == "quick":
            quick = ""
        elif key.startswith("filter:"):
            model.pop(key.removeprefix("filter:"), None)
        elif key.startswith("facet:"):
            name = key.removeprefix("facet:")
            slots = [[] if c == name else v for c, v in zip(columns, slots, strict=False)]
        return [model, quick or "", *slots, None]

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.GRID, "filterModel", allow_duplicate=True),
        Output(ids.DATE_RANGE_BOX, "className"),
        Output(ids.DATE_RANGE_MSG, "children"),
        Input(ids.DATE_PRESET, "value"),
        Input(ids.DATE_FROM, "value"),
        Input(ids.DATE_TO, "value"),
        State(ids.GRID, "filterModel"),
        State(ids.TABLE, "data"),
        prevent_initial_call=True,
    )
    def _preset(
        preset: str | None, start: Any, end: Any, filter_model: Any, table: str
    ) -> tuple[Any, str, str]:
        custom = preset == CUSTOM
        box = RANGE_BOX_CLASS if custom else RANGE_BOX_CLASS + " d-none"
        column = date_column(table)
        if column is None or preset is None or (preset not in PRESETS and not custom):
            return no_update, box, ""
        if custom:
            if not start or not end:
                return no_update, box, ""  # waiting for the second date
            found = custom_range(start, end)
            if isinstance(found, str):
                return no_update, box, found
            wanted = range_filter(*found)
        else:
            wanted = preset_filter(preset, dt.date.today())
        model = dict(filter_model) if isinstance(filter_model, dict) else {}
        model[column] = wanted
        return model, box, ""


def column_chooser(table: GridTable, state: dict[str, Any]) -> dbc.DropdownMenu:
    """Show or hide columns; the grid's column state (kept in saved views) follows."""
    saved = state.get("columnState") if isinstance(state.get("columnState"), list) else None
    hidden = _hidden_columns(table, saved)
    options = _column_options(table)
    visible = [c.name for c in table.columns if c.name not in hidden]
    # The key column is pinned for good (columns.column_def); the others may be pinned here.
    keys = {c.name for c in table.columns if c.foreign_key} | {table.key}
    pinnable = [o for o in options if o["value"] not in keys]
    return _chooser_menu(options, visible, pinnable, _pinned_left(saved, table.key))


def _hidden_columns(table: GridTable, saved: list[Any] | None) -> set[str]:
    """The hidden columns: the saved column state's, else the table's own."""
    if saved:
        return {str(c.get("colId")) for c in saved if isinstance(c, dict) and c.get("hide")}
    return {c.name for c in table.columns if c.hidden}


def _column_options(table: GridTable) -> list[dict[str, str]]:
    """One option per column, in table order.

    A foreign key shares its label with the label column shown in its place: say which is the
    raw id (the chooser listed "Customer" twice)."""
    return [
        {"label": f"{c.header} (id)" if c.foreign_key else c.header, "value": c.name}
        for c in table.columns
    ]


def _pinned_left(saved: list[Any] | None, key: str | None) -> list[str]:
    """The columns the saved state pins to the left, the key column aside."""
    return [
        str(c.get("colId"))
        for c in saved or []
        if isinstance(c, dict) and c.get("pinned") == "left" and c.get("colId") != key
    ]


def _chooser_menu(
    options: list[dict[str, str]],
    visible: list[str],
    pinnable: list[dict[str, str]],
    pinned: list[str],
) -> dbc.DropdownMenu:
    """The "Columns" menu: a checklist to show columns, switches to pin them."""
    return dbc.DropdownMenu(
        [
            html.Div("Show", className="dropdown-header"),
            dbc.Checklist(id=ids.COLUMNS, options=options, value=visible, className="px-3 py-1"),
            html.Div("Pin to the left", className="dropdown-header"),
            dbc.Checklist(
                id=ids.PINNED, options=pinnable, value=pinned, className="px-3 py-1", switch=True
            ),
        ],
        label=[html.I(className="bi bi-layout-three-columns me-1"), "Columns"],
        size="sm",
        color="outline-secondary",
        className="dv-columns",
        id="dash-columns-menu",
    )


RANGE_BOX_CLASS = "dv-date-range d-flex flex-wrap align-items-center gap-2"


def date_range() -> html.Div:
    """Two date fields for "Custom range…" (hidden until it is chosen).

    The browser's own date inputs: labelled, keyboard-friendly, in the reader's locale (Dash 4's
    range picker fails the accessibility gate: an unnamed dialog and input, ARIA misuse)."""
    return html.Div(
        [
            # Each label wraps with its field (a phone put "to" at one line's end).
            html.Span(
                [
                    dbc.Label("From", html_for=ids.DATE_FROM, className="small mb-0"),
                    dbc.Input(id=ids.DATE_FROM, type="date", size="sm", className="dv-date-input"),
                ],
                className="d-inline-flex align-items-center gap-2",
            ),
            html.Span(
                [
                    dbc.Label("to", html_for=ids.DATE_TO, className="small mb-0"),
                    dbc.Input(id=ids.DATE_TO, type="date", size="sm", className="dv-date-input"),
                ],
                className="d-inline-flex align-items-center gap-2",
            ),
            html.Span(id=ids.DATE_RANGE_MSG, className="small text-danger", role="alert"),
        ],
        id=ids.DATE_RANGE_BOX,
        className=RANGE_BOX_CLASS + " d-none",
    )


def filters_bar(has_date: bool, chooser: Any = None) -> html.Div:
    """Date presets (when the table has a date), the chips, and clear all."""
    options = [{"label": label, "value": key} for key, label in PRESETS.items()]
    preset = dcc.Dropdown(
        id=ids.DATE_PRESET,
        options=[*options, {"label": "Custom range…", "value": CUSTOM}],
        placeholder="Date: any time",
        clearable=True,
        className="dv-date-preset" if has_date else "dv-date-preset d-none",
    )
    return html.Div(
        [
            preset,
            date_range(),
            chooser,
            html.Div(id=ids.CHIPS, className="d-flex flex-wrap gap-1 align-items-center"),
            dbc.Button(
                "Clear all",
                id=ids.CLEAR_ALL,
                size="sm",
                color="outline-secondary",
                className="dv-clear-all d-none",
            ),
            html.A(
                [
                    html.I(className="bi bi-link-45deg me-1", **{"aria-hidden": "true"}),  # type: ignore[arg-type]
                    "Share link",
                ],
                id=ids.SHARE_LINK,
                href="#",
                className="btn btn-sm btn-link ms-auto dv-share-link",
                title="A link to exactly this: table, filters, sort and search (copy it to share)",
            ),
        ],
        className="dv-filters d-flex flex-wrap align-items-center gap-2 mb-2",
    )
