"""KPIs and charts under the grid's filters, and drill-down from chart clicks into the grid."""

from __future__ import annotations

import calendar
import logging
from typing import Any

import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from dashapp.auth import Role, secured_callback
from dashapp.components.shell import THEME_STORE_ID
from dashapp.pages.dashboard_parts import ids, layout_parts
from dashapp.pages.dashboard_parts.charts import breakdown_figure, trend_figure
from dashapp.pages.dashboard_parts.state import facets_of, grid_state
from dashapp.services.grid.aggregates import profile_for
from dashapp.services.grid.binding import current_dataview
from dashapp.services.grid.errors import GridQueryError

log = logging.getLogger(__name__)


def month_filter(month: object) -> dict[str, Any]:
    """A date filter covering one 'YYYY-MM' month."""
    if not isinstance(month, str) or len(month) != 7:
        raise PreventUpdate
    year, number = int(month[:4]), int(month[5:])
    last = calendar.monthrange(year, number)[1]
    return {
        "filterType": "date",
        "type": "inRange",
        "dateFrom": f"{month}-01 00:00:00",
        "dateTo": f"{month}-{last:02d} 00:00:00",
    }


def register_summary_callbacks(app: Dash) -> None:
    """Bind the KPI, chart and drill-down callbacks."""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.TREND, "children"),
        Output(ids.BREAKDOWN, "children"),
        Input(ids.READY, "data"),
        prevent_initial_call=True,
    )
    def _mount_graphs(ready: Any) -> tuple[Any, Any]:
        """The graphs join the page once the first rows show: Plotly is megabytes of script
        that the browser would otherwise load and parse before the grid could show a row.
        Their arrival fires `_summary` (Dash calls a callback for new components it outputs to)."""
        if not ready:
            raise PreventUpdate
        return layout_parts.graph("trend"), layout_parts.graph("breakdown")

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.KPI_ROWS, "children"),
        Output(ids.KPI_REVENUE, "children"),
        Output(ids.KPI_RETURNS, "children"),
        Output(ids.graph_id(ALL), "figure"),
        Output(ids.CHART_ERROR, "children"),
        Input(ids.GRID, "filterModel"),
        Input(ids.QUICK, "value"),
        Input(ids.DIMENSION, "value"),
        Input(THEME_STORE_ID, "data"),
        *(Input(slot, "value") for slot in ids.FACET_SLOTS),
        State(ids.READY, "data"),
        State(ids.TABLE, "data"),
        State(ids.FACET_COLUMNS, "data"),
    )
    def _summary(
        filter_model: Any, quick: Any, dimension: Any, theme: Any, *rest: Any
    ) -> tuple[Any, ...]:
        # Inputs come before States: the slot values, then ready, table and slot columns.
        facet_values = rest[: ids.MAX_FACETS]
        ready, table, facet_columns = rest[ids.MAX_FACETS :]
        charts = [o["id"]["chart"] for o in ctx.outputs_list[3]]
        if not ready or not charts:
            # First rows first: the SQL aggregates and the graphs wait for the grid.
            raise PreventUpdate
        view = current_dataview()
        state = grid_state(filter_model, None, quick, facets_of(facet_columns, facet_values))
        try:
            kpis, trend, bars = view.summary(table, state, dimension)
        except GridQueryError as exc:
            log.warning("summary refused for %s: %s", table, exc)
            return ("–", "–", "–", [go.Figure() for _ in charts], str(exc))
        profile = profile_for(view.table(table))
        dark = theme == "dark"
        figures = {
            "trend": trend_figure(trend, profile.measure, dark),
            "breakdown": breakdown_figure(bars, profile.measure, dark),
        }
        revenue = f"${kpis.revenue:,.0f}" if kpis.revenue is not None else "–"
        returns = f"{kpis.return_rate:.1%}" if kpis.return_rate is not None else "–"
        return (
            f"{kpis.rows:,}",
            revenue,
            returns,
            [figures[chart] for chart in charts],
            "",
        )

    @secured_callback(
        app,
        Role.VIEWER,
        *(Output(slot, "value") for slot in ids.FACET_SLOTS),
        Input(ids.graph_id("breakdown"), "clickData"),
        State(ids.DIMENSION, "value"),
        State(ids.FACET_COLUMNS, "data"),
        *(State(slot, "value") for slot in ids.FACET_SLOTS),
        prevent_initial_call=True,
    )
    def _drill_bar(
        click: Any, dimension: Any, facet_columns: list[Any], *facet_values: Any
    ) -> list[Any]:
        try:
            value = click["points"][0]["x"]
        except (TypeError, KeyError, IndexError):
            raise PreventUpdate from None
        columns = list(facet_columns or [])
        if dimension not in columns:
            raise PreventUpdate
        pairs = zip(columns, facet_values, strict=False)
        return [[value] if c == dimension else v for c, v in pairs]

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.GRID, "filterModel", allow_duplicate=True),
        Input(ids.graph_id("trend"), "clickData"),
        State(ids.GRID, "filterModel"),
        State(ids.TABLE, "data"),
        prevent_initial_call=True,
    )
    def _drill_month(click: Any, filter_model: Any, table: str) -> dict[str, Any]:
        try:
            month = click["points"][0]["x"]
        except (TypeError, KeyError, IndexError):
            raise PreventUpdate from None
        date_column = profile_for(current_dataview().table(table)).date
        if date_column is None:
            raise PreventUpdate
        return {**(filter_model or {}), date_column: month_filter(month)}
