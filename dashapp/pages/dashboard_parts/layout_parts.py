"""The dashboard's components: table picker, views bar, KPIs, toolbar, grid and charts."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.pages.dashboard_parts import ids
from dashapp.pages.dashboard_parts.columns import column_defs, initial_state
from dashapp.services.grid.aggregates import TableProfile
from dashapp.services.grid.schema import GridTable
from dashapp.services.saved_views import ViewInfo

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
    "localeText": {"noRowsToShow": "No rows match the filters."},
}


def _icon(name: str) -> html.I:
    return html.I(className=f"bi bi-{name} me-1", **{"aria-hidden": "true"})  # type: ignore[arg-type]


def table_picker(current: str, tables: list[str]) -> dbc.DropdownMenu:
    """Links to each allowed table (navigating re-renders the page for it)."""
    return dbc.DropdownMenu(
        [dbc.DropdownMenuItem(t, href=f"/?table={t}", active=t == current) for t in tables],
        label=[_icon("table"), current],
        id="dash-table-picker",
        color="secondary",
        size="sm",
    )


def views_bar(views: list[ViewInfo], view: ViewInfo | None, owner: str) -> html.Div:
    """Open, save and delete saved views."""
    options = [{"label": v.name, "value": v.id} for v in views]
    if view is not None and all(v.id != view.id for v in views):
        options.append({"label": f"{view.name} (shared by {view.owner})", "value": view.id})
    return html.Div(
        [
            dcc.Dropdown(
                id=ids.VIEWS,
                options=options,
                value=view.id if view else None,
                placeholder="Saved views",
                clearable=False,
                className="dv-views-select",
            ),
            dbc.Input(
                id=ids.VIEW_NAME,
                placeholder="View name",
                size="sm",
                maxLength=80,
                value=view.name if view is not None and view.owner == owner else "",
                className="dv-view-name",
            ),
            dbc.Button(
                [_icon("bookmark-plus"), "Save"], id=ids.VIEW_SAVE, size="sm", color="primary"
            ),
            dbc.Button(
                [_icon("trash"), "Delete"], id=ids.VIEW_DELETE, size="sm", color="outline-danger"
            ),
            html.Span(id=ids.VIEW_MESSAGE, className="small text-body-secondary", role="status"),
        ],
        className="dv-views d-flex flex-wrap align-items-center gap-2",
    )


def kpi_card(label: str, value_id: str, icon: str) -> dbc.Col:
    """A headline figure."""
    body = dbc.CardBody(
        [
            html.Div([_icon(icon), label], className="dv-kpi-label small text-body-secondary"),
            html.Div("…", id=value_id, className="dv-kpi-value"),
        ]
    )
    return dbc.Col(dbc.Card(body, className="dashapp-card dv-kpi h-100"), xs=12, sm=4)


def facet_dropdowns(table: GridTable, chosen: dict[str, Any]) -> list[Any]:
    """A multi-select per low-cardinality text column, in fixed slots (unused ones hidden)."""
    columns = facet_columns(table)
    slots = []
    for index, slot in enumerate(ids.FACET_SLOTS):
        col = table.column(columns[index]) if columns[index] else None
        slots.append(
            dcc.Dropdown(
                id=slot,
                options=[{"label": str(v), "value": v} for v in (col.choices or ())] if col else [],
                value=(chosen.get(col.name) or []) if col else [],
                multi=True,
                placeholder=col.name.replace("_", " ").capitalize() if col else "",
                className="dv-facet" if col else "dv-facet d-none",
            )
        )
    return slots


def facet_columns(table: GridTable) -> list[str | None]:
    """The column shown in each multi-select slot (None: slot unused)."""
    names: list[str | None] = [c.name for c in table.set_columns if c.kind.value == "text"]
    names = names[: ids.MAX_FACETS]
    return names + [None] * (ids.MAX_FACETS - len(names))


def toolbar(table: GridTable, state: dict[str, Any]) -> html.Div:
    """Quick search, multi-selects, exports and the row count line."""
    facets = state.get("facets") if isinstance(state.get("facets"), dict) else {}
    return html.Div(
        [
            dbc.Input(
                id=ids.QUICK,
                type="search",
                placeholder="Search text columns…",
                debounce=0.4,
                size="sm",
                value=state.get("quick") or "",
                className="dv-quick",
            ),
            *facet_dropdowns(table, facets or {}),
            html.Div(
                [
                    html.A(
                        [_icon("filetype-csv"), "CSV"],
                        id=ids.EXPORT_CSV,
                        className="btn btn-sm btn-outline-secondary",
                        href="#",
                    ),  # noqa: E501
                    html.A(
                        [_icon("file-earmark-excel"), "Excel"],
                        id=ids.EXPORT_XLSX,
                        className="btn btn-sm btn-outline-secondary",
                        href="#",
                    ),  # noqa: E501
                ],
                className="d-flex gap-2 ms-auto",
            ),
        ],
        className="dv-toolbar d-flex flex-wrap align-items-center gap-2 mb-2",
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


CHART_CONFIG: Any = {"displayModeBar": False, "responsive": True}


def graph(chart: str) -> dcc.Graph:
    """One chart ("trend" or "breakdown"); clicks on it filter the grid."""
    return dcc.Graph(id=ids.graph_id(chart), config=CHART_CONFIG, className="dv-chart")


def charts(profile: TableProfile, dimension: str | None) -> html.Div:
    """Trend over time and a breakdown by a chosen column. The graphs themselves are put in
    their slots once the first rows show (see summary_callbacks): until then a placeholder of
    the same height holds the place, and the browser has not had to load Plotly."""
    return html.Div(
        [
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2("Trend by month", className="h6"),
                        html.Div(chart_placeholder(), id=ids.TREND),
                    ]
                ),
                className="dashapp-card mb-3",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(
                            [
                                html.H2("Breakdown by", className="h6 mb-0 me-2"),
                                dcc.Dropdown(
                                    id=ids.DIMENSION,
                                    options=list(profile.dimensions),
                                    value=dimension,
                                    clearable=False,
                                    className="dv-dimension",
                                ),
                            ],
                            className="d-flex align-items-center mb-2",
                        ),
                        html.Div(chart_placeholder(), id=ids.BREAKDOWN),
                    ]
                ),
                className="dashapp-card",
            ),
            html.Div(id=ids.CHART_ERROR, className="small text-danger mt-2", role="alert"),
        ]
    )


def chart_placeholder() -> html.Div:
    """A grey block the size of a chart."""
    return html.Div(
        html.Span(className="placeholder w-100 h-100 rounded"),
        className="dv-chart placeholder-glow",
    )
