"""The grid's column of the dashboard: the toolbar (quick search, multi-selects, exports), the
Excel job's progress, and the infinite-row-model grid."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.dataview.aggregates import BLANK_LABEL
from dashapp.dataview.config.spec import DashboardSpec
from dashapp.dataview.filters import BLANK
from dashapp.dataview.schema import GridTable
from dashapp.pages.dataview import ids
from dashapp.pages.dataview.columns import column_defs, initial_state
from dashapp.pages.dataview.layout import bi_icon

BLOCK_SIZE = 100
GRID_OPTIONS: dict[str, Any] = {
    # Follows data-ag-theme-mode on <html>, which the shell's colour switch sets.
    "theme": {"function": "themeQuartz.withPart(agGrid.colorSchemeVariable)"},
    "cacheBlockSize": BLOCK_SIZE,
    # The browser keeps at most this many blocks (2,000 rows) whatever the table size.
    "maxBlocksInCache": 20,
    # One request at a time: dash-ag-grid answers only the latest request it was given.
    "maxConcurrentDatasourceRequests": 1,
    "blockLoadDebounceMillis": 60,
    "infiniteInitialRowCount": 1,
    "rowBuffer": 10,
    "animateRows": False,
    "enableCellTextSelection": True,
    "suppressDragLeaveHidesColumns": True,
    # Columns are sized to their content now, so a table is often wider than the screen:
    # render every column (tables here have tens, not thousands) so none is missing when
    # scrolled to, and find-in-page works.
    "suppressColumnVirtualisation": True,
    "localeText": {"noRowsToShow": "No rows match the filters."},
    # Rows are flat, one key per column: a "." in a column's name is part of the name, not a
    # path into nested data (it showed "(blank)"). Kept rather than a valueGetter per column
    # because colId stays the real name, so filter and sort models, saved views, chips and
    # server-side exports all keep working unchanged.
    "suppressFieldDotNotation": True,
}


def facet_dropdowns(table: GridTable, chosen: dict[str, Any]) -> list[Any]:
    """A multi-select per low-cardinality text column, in fixed slots (unused ones hidden)."""
    columns = facet_columns(table)
    slots = []
    for index, slot in enumerate(ids.FACET_SLOTS):
        col = table.column(columns[index]) if columns[index] else None
        options = [{"label": str(v), "value": v} for v in (col.choices or ())] if col else []
        if col is not None and col.has_blank:
            options.append({"label": BLANK_LABEL, "value": BLANK})
        slots.append(
            dcc.Dropdown(
                id=slot,
                options=options,
                value=(chosen.get(col.name) or []) if col else [],
                multi=True,
                placeholder=col.header if col else "",
                className="dv-facet" if col else "dv-facet d-none",
            )
        )
    return slots


def facet_columns(table: GridTable) -> list[str | None]:
    """The column shown in each multi-select slot (None: slot unused)."""
    names: list[str | None] = [c.name for c in table.set_columns if c.kind.value == "text"]
    names = names[: ids.MAX_FACETS]
    return names + [None] * (ids.MAX_FACETS - len(names))


# dbc.Input counts its debounce in milliseconds (dcc.Input in seconds): wait for a pause.
SEARCH_DEBOUNCE_MS = 400


def toolbar(table: GridTable, state: dict[str, Any], spec: DashboardSpec) -> html.Div:
    """Quick search (when the table has text), multi-selects, exports and the row count line."""
    facets = state.get("facets") if isinstance(state.get("facets"), dict) else {}
    return html.Div(
        [
            dbc.Label("Search", html_for=ids.QUICK, className="visually-hidden"),
            dbc.Input(
                id=ids.QUICK,
                type="search",
                placeholder="Search text columns…",
                debounce=SEARCH_DEBOUNCE_MS,
                size="sm",
                value=state.get("quick") or "",
                className="dv-quick" if spec.searchable else "dv-quick d-none",
            ),
            html.Span(
                spec.notes.get("search", ""),
                id=ids.SEARCH_NOTE,
                className="small text-body-secondary" if not spec.searchable else "d-none",
            ),
            *facet_dropdowns(table, facets or {}),
            html.Div(
                [
                    html.A(
                        [bi_icon("filetype-csv"), "CSV"],
                        id=ids.EXPORT_CSV,
                        className="btn btn-sm btn-outline-secondary",
                        href="#",
                    ),  # noqa: E501
                    dbc.Button(
                        [bi_icon("file-earmark-excel"), "Excel"],
                        id=ids.EXPORT_XLSX,
                        color="secondary",
                        outline=True,
                        size="sm",
                        title="Build an Excel file of every matching row (in the background)",
                    ),
                ],
                className="d-flex gap-2 ms-auto",
            ),
        ],
        className="dv-toolbar d-flex flex-wrap align-items-center gap-2 mb-2",
    )


def excel_area() -> html.Div:
    """Where the Excel job says it is queued, how far it got, and where the file is."""
    return html.Div(
        [
            dcc.Store(id=ids.XLSX_ARGS),
            dcc.Store(id=ids.XLSX_JOB),
            html.Div(id=ids.XLSX_STATUS),
            html.Div(
                # Flex on an inner box: Bootstrap's d-flex (!important) beats [hidden].
                html.Div(
                    [
                        html.Span(id=ids.XLSX_PROGRESS_TEXT, className="me-2"),
                        dbc.Progress(id=ids.XLSX_PROGRESS, value=0, className="flex-grow-1"),
                    ],
                    className="d-flex align-items-center",
                ),
                id=ids.XLSX_PROGRESS_WRAP,
                hidden=True,
                **{"data-progress-label": "Excel export progress"},  # type: ignore[arg-type]
            ),
            html.Div(id=ids.XLSX_RESULT),
        ],
        className="small mb-2",
        role="status",
    )


def grid(table: GridTable, state: dict[str, Any]) -> dag.AgGrid:
    """The infinite-row-model grid."""
    options = dict(GRID_OPTIONS)
    start = initial_state(table, state)
    if start:
        options["initialState"] = start
    # The same models as props too, so callbacks reading them see the view's state at once.
    extra: dict[str, Any] = {}
    if isinstance(state.get("filterModel"), dict):
        extra["filterModel"] = state["filterModel"]
    if isinstance(state.get("columnState"), list):
        extra["columnState"] = state["columnState"]
    return dag.AgGrid(
        id=ids.GRID,
        **extra,
        rowModelType="infinite",
        columnDefs=column_defs(table),
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 90, "flex": 1},
        dashGridOptions=options,
        className="dv-grid",
        style={"height": "100%", "width": "100%"},
    )
