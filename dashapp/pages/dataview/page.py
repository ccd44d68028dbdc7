"""Data view: millions of rows in an infinite AG Grid, KPIs and charts, saved views, exports."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Dash, dcc, html
from dash.development.base_component import Component

from dashapp.components.page_guard import page_guard
from dashapp.dataview import grid_state, saved_views
from dashapp.dataview.binding import current_dataview
from dashapp.dataview.config.spec import DashboardSpec
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.schema import ColumnKind, GridTable
from dashapp.pages.dataview import grid_panel, ids, page_state
from dashapp.pages.dataview import layout as parts
from dashapp.pages.dataview.excel_callbacks import register_excel_callbacks
from dashapp.pages.dataview.filters_callbacks import (
    column_chooser,
    filters_bar,
    register_filter_callbacks,
)
from dashapp.pages.dataview.grid_callbacks import register_grid_callbacks
from dashapp.pages.dataview.summary_callbacks import register_summary_callbacks
from dashapp.pages.dataview.views_callbacks import register_view_callbacks
from dashapp.web.identity import Role, current_user

dash.register_page(__name__, path="/", name="Dashboard", order=0, title="Dashboard · dashapp")
log = logging.getLogger(__name__)


MISSING_VIEW = "The saved view in this link does not exist (it may have been deleted)."
BAD_SHARE = "The shared view in this link does not exist or the link is not valid."


def layout(
    table: str | None = None,
    view: str | None = None,
    share: str | None = None,
    state: str | None = None,
    **_query: str,
) -> object:
    """The data view for `table` (default: the first allowed), optionally opening a saved view."""
    denied = page_guard(Role.VIEWER)
    if denied is not None:
        return denied
    data_view = current_dataview()
    user = current_user()
    owner = user.username if user else ""
    opened, by_share = _opened_view(view, share, owner)
    name = _table_name(opened.table if opened else table, data_view.allowed_tables)
    try:
        grid_table = data_view.table(name)
    except GridQueryError as exc:
        log.warning("data view refused table: %s", exc)
        return dbc.Alert(str(exc), color="warning", className="m-4", id="page-dashboard")
    base, view_problem = _view_state(opened)
    from_url, url_problem = grid_state.from_query(state)
    link_problem = _link_problem(view_problem or url_problem, view, share, opened)
    shown = _shown_state(base, from_url)
    if opened is None and not from_url:
        # The table's default view: its landmarks are built while the page loads.
        data_view.open_table(grid_table.name)
    spec = data_view.dashboard(grid_table.name)
    return html.Div(
        [
            *_stores(grid_table, spec, opened, by_share, base),
            _header(grid_table, list(data_view.allowed_tables), opened, owner),
            _link_alert(link_problem),
            parts.kpi_row(spec),
            _main_row(grid_table, shown, spec),
        ],
        id="page-dashboard",
        className="dv-page",
        # Where this page lives: assets/dataview_url.js writes the address only while it is there.
        **{"data-path": dash.get_relative_path("/")},
    )


def _opened_view(
    view: str | None, share: str | None, owner: str
) -> tuple[saved_views.ViewInfo | None, str | None]:
    """(the saved view the link opens, the share token it was opened by)."""
    # ?view=ID opens one's own views only; another user's opens through ?share=TOKEN.
    opened = saved_views.get_view(view, owner) if view else None
    if opened is not None or not share:
        return opened, None
    opened = saved_views.open_shared(share)
    return opened, share if opened is not None else None


def _table_name(table: str | None, allowed: Sequence[str]) -> str:
    """The table asked for, else the first allowed one."""
    return table or (allowed[0] if allowed else "")


def _link_problem(
    problem: str, view: str | None, share: str | None, opened: saved_views.ViewInfo | None
) -> str:
    """What is wrong with the link, if anything: a view it names that cannot be opened first."""
    if view and opened is None:
        return MISSING_VIEW
    if share and opened is None:
        return BAD_SHARE
    return problem


def _stores(
    grid_table: GridTable,
    spec: DashboardSpec,
    opened: saved_views.ViewInfo | None,
    by_share: str | None,
    base: dict[str, Any],
) -> list[dcc.Store]:
    """The page's stores: the table, the opened view, the URL's base, the charts it has."""
    charts = [name for name in ("trend", "breakdown") if getattr(spec, name) is not None]
    return [
        dcc.Store(id=ids.TABLE, data=grid_table.name),
        dcc.Store(id=ids.FACET_COLUMNS, data=grid_panel.facet_columns(grid_table)),
        dcc.Store(id=ids.VIEW_ID, data=opened.id if opened else None),
        dcc.Store(id=ids.ROWS),
        dcc.Store(id=ids.READY),
        dcc.Store(id=ids.SUMMARY),
        dcc.Store(id=ids.SUMMARY_AGAIN),
        dcc.Store(id=ids.PURGE),
        dcc.Store(id=ids.URL_SYNC),
        dcc.Store(id=ids.URL_SYNCED),
        dcc.Store(id=ids.NAVIGATE),
        dcc.Store(id=ids.URL_BASE, data=page_state.url_base(opened, by_share, base)),
        dcc.Store(id=ids.CHARTS, data=charts),
        dcc.Store(id=ids.COLUMNS_DONE),
        dcc.Store(id=ids.PINNED_DONE),
    ]


def _header(
    grid_table: GridTable, tables: list[str], opened: saved_views.ViewInfo | None, owner: str
) -> html.Div:
    """The table's heading, the table picker and the saved views bar."""
    return html.Div(
        [
            html.H1(grid_table.heading, className="h3 mb-0 me-2"),
            parts.table_picker(grid_table.name, tables),
            parts.views_bar(saved_views.list_views(owner, grid_table.name), opened, owner),
        ],
        className="d-flex flex-wrap align-items-center gap-2 mb-3",
    )


def _link_alert(problem: str) -> Component:
    """Why the link could not be followed as it was (an empty slot when it could)."""
    if problem:
        return dbc.Alert(problem, color="warning", className="py-2", id=ids.LINK_PROBLEM)
    return html.Div(id=ids.LINK_PROBLEM)


def _main_row(grid_table: GridTable, shown: dict[str, Any], spec: DashboardSpec) -> dbc.Row:
    """The grid with its toolbar and filters beside the charts."""
    return dbc.Row(
        [
            dbc.Col(_grid_column(grid_table, shown, spec), xs=12, xl=8),
            # Charts mount after the first rows: Plotly is megabytes of script that
            # would otherwise be parsed before the grid can show anything.
            dbc.Col(parts.charts(spec, grid_table, _dimension(shown, spec)), xs=12, xl=4),
        ],
        className="g-3",
    )


def _grid_column(
    grid_table: GridTable, shown: dict[str, Any], spec: DashboardSpec
) -> list[Component]:
    """Toolbar, Excel job, filters, the grid, and its status and error lines."""
    has_date = any(c.kind is ColumnKind.DATE for c in grid_table.columns)
    return [
        grid_panel.toolbar(grid_table, shown, spec),
        grid_panel.excel_area(),
        filters_bar(has_date, column_chooser(grid_table, shown)),
        html.Div(grid_panel.grid(grid_table, shown), className="dv-grid-frame"),
        html.Div(
            [
                html.Span(id=ids.STATUS, className="small text-body-secondary"),
                html.Div(id=ids.GRID_ERROR, className="small text-danger", role="alert"),
            ],
            className="d-flex flex-wrap justify-content-between gap-2 mt-1",
        ),
    ]


def _dimension(shown: dict[str, Any], spec: DashboardSpec) -> str | None:
    """The breakdown's dimension: the view's, when the table offers it, else the default."""
    dimension = shown.get("dimension")
    if dimension in spec.dimensions:
        return dimension
    return spec.breakdown.column if spec.breakdown else None


def _view_state(opened: saved_views.ViewInfo | None) -> tuple[dict[str, Any], str]:
    """(state, problem): the opened view's state in the grid state's form."""
    if opened is None:
        return {}, ""
    try:
        return grid_state.clean(opened.state), ""
    except grid_state.GridStateError as exc:  # saved by an older version, say
        log.warning("saved view %s has an unreadable state: %s", opened.id, exc)
        return {}, "This saved view's filters could not be read; showing the table unfiltered."


def _shown_state(base: dict[str, Any], from_url: dict[str, Any] | None) -> dict[str, Any]:
    """The view's state, with the URL's filters, sort and search over it when it has them.

    The view keeps its columns and chart; its column state's sort is dropped, since the URL's
    sort (or its absence) is what was on screen.
    """
    if from_url is None:
        return dict(base)
    shown = {k: v for k, v in base.items() if k not in grid_state.QUERY_KEYS}
    if "columnState" in shown:
        shown["columnState"] = [
            {k: v for k, v in c.items() if k not in ("sort", "sortIndex")}
            for c in shown["columnState"]
        ]
    shown.update(from_url)
    return shown


def register_callbacks(app: Dash) -> None:
    """Bind the page's callbacks to `app`."""
    register_grid_callbacks(app)
    register_summary_callbacks(app)
    register_view_callbacks(app)
    register_filter_callbacks(app)
    register_excel_callbacks(app)
