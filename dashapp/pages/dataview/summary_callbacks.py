"""KPIs and charts under the grid's filters, and drill-down from chart clicks into the grid."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from typing import Any

import plotly.graph_objects as go
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from dashapp.components.shell import THEME_STORE_ID
from dashapp.dataview.aggregates import BLANK_LABEL, OTHER_LABEL
from dashapp.dataview.binding import current_dataview
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.filters import BLANK
from dashapp.pages.dataview import ids
from dashapp.pages.dataview import layout as parts
from dashapp.pages.dataview.charts import breakdown_figure, trend_figure
from dashapp.pages.dataview.formatting import format_value
from dashapp.pages.dataview.grid_callbacks import status_text
from dashapp.pages.dataview.page_state import facets_of, grid_state_of
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role
from dashapp.web.slots import query_slot

log = logging.getLogger(__name__)
KPIS_BUSY = parts.KPIS_CLASS + parts.BUSY
CHARTS_BUSY = parts.CHARTS_CLASS + parts.BUSY


def period_range(period: object, grain: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period label made by aggregates.period."""
    if not isinstance(period, str):
        raise PreventUpdate
    try:
        if grain == "year":
            year = int(period)
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if grain == "quarter":
            year, quarter = int(period[:4]), int(period.split("Q")[1])
            first = dt.date(year, 3 * quarter - 2, 1)
            last_month = 3 * quarter
            return first, dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
        if grain == "month":
            year, month = int(period[:4]), int(period[5:7])
            return dt.date(year, month, 1), dt.date(
                year, month, calendar.monthrange(year, month)[1]
            )
        day = dt.date.fromisoformat(period[:10])
        return day, day + dt.timedelta(days=6 if grain == "week" else 0)
    except (ValueError, IndexError):
        raise PreventUpdate from None


def period_filter(period: object, grain: str = "month") -> dict[str, Any]:
    """A date filter covering one period of the trend chart."""
    first, last = period_range(period, grain)
    return {
        "filterType": "date",
        "type": "inRange",
        "dateFrom": f"{first.isoformat()} 00:00:00",
        "dateTo": f"{last.isoformat()} 00:00:00",
    }


def summary_echo(
    filter_model: Any, quick: Any, dimension: Any, facet_values: tuple[Any, ...]
) -> dict[str, Any]:
    """The screen state a summary answers, as the browser compares it (assets/grid.js)."""
    return {
        "filterModel": filter_model or {},
        "quick": quick or "",
        "dimension": dimension,
        "facets": [v or [] for v in facet_values],
    }


def summary_figures(
    table: str,
    filter_model: Any,
    quick: Any,
    dimension: Any,
    facet_columns: Any,
    facet_values: tuple[Any, ...],
    *,
    dark: bool,
    slots: int,
    charts: list[str],
) -> dict[str, Any]:
    """Row count, `slots` KPI figures and notes, the figures of `charts` and the status line,
    as text and figure dicts for the page."""
    view = current_dataview()
    state = grid_state_of(filter_model, None, quick, facets_of(facet_columns, facet_values))
    try:
        with query_slot():
            summary = view.summary(table, state, dimension)
    except GridQueryError as exc:
        log.warning("summary refused for %s: %s", table, exc)
        unknown = "n/a"
        return {
            "rows": unknown, "values": [unknown] * slots, "notes": [str(exc)] * slots,
            "figures": {chart: go.Figure().to_plotly_json() for chart in charts},
            "chartError": str(exc), "status": None,
        }  # fmt: skip
    spec = view.dashboard(table)
    grid_table = view.table(table)
    figures: dict[str, Any] = {}
    if spec.trend is not None:
        axis = spec.trend.measure.describe(grid_table)
        figures["trend"] = trend_figure(summary.trend, axis, dark, spec.trend.format)
    if spec.breakdown is not None:
        axis = spec.breakdown.measure.describe(grid_table)
        figures["breakdown"] = breakdown_figure(
            summary.breakdown, axis, dark, spec.breakdown.format
        )
    rows = view.count(table, state, exact=True)
    values = [format_value(k.value, k.format) for k in summary.kpis][:slots]
    notes = [k.note for k in summary.kpis][:slots]
    return {
        "rows": f"{'≈ ' if not rows.exact else ''}{rows.value:,}",
        "values": values + ["n/a"] * (slots - len(values)),
        "notes": notes + [""] * (slots - len(notes)),
        "figures": {chart: figures.get(chart, go.Figure()).to_plotly_json() for chart in charts},
        "chartError": "",
        "status": status_text(rows.value, rows.exact),
    }


def register_summary_callbacks(app: Dash) -> None:
    """Bind the KPI, chart and drill-down callbacks."""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.TREND, "children"),
        Output(ids.BREAKDOWN, "children"),
        Input(ids.READY, "data"),
        State(ids.CHARTS, "data"),
        prevent_initial_call=True,
    )
    def _mount_graphs(ready: Any, charts: Any) -> tuple[Any, Any]:
        """The graphs join the page once the first rows show: Plotly is megabytes of script
        that the browser would otherwise load and parse before the grid could show a row.
        Their arrival fires `_summary` (Dash calls a callback for new components it outputs to)."""
        if not ready or not isinstance(charts, list) or not charts:
            raise PreventUpdate
        return tuple(
            parts.graph(name) if name in charts else no_update for name in ("trend", "breakdown")
        )  # type: ignore[return-value]

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.SUMMARY, "data"),
        Input(ids.GRID, "filterModel"),
        Input(ids.QUICK, "value"),
        Input(ids.DIMENSION, "value"),
        *(Input(slot, "value") for slot in ids.FACET_SLOTS),
        Input(THEME_STORE_ID, "data"),
        Input(ids.READY, "data"),
        # The graphs' arrival (mounted on "ready") computes their figures.
        Input(ids.graph_id(ALL), "id"),
        Input(ids.SUMMARY_AGAIN, "data"),
        State(ids.kpi_value_id(ALL), "id"),
        State(ids.TABLE, "data"),
        State(ids.FACET_COLUMNS, "data"),
        State(ids.CHARTS, "data"),
        # Dimmed under a spinner while the figures recompute: stale numbers must not pass
        # for the new filter's.
        running=[
            (Output(ids.KPIS, "className"), KPIS_BUSY, parts.KPIS_CLASS),
            (Output(ids.CHARTS_BOX, "className"), CHARTS_BUSY, parts.CHARTS_CLASS),
        ],
        prevent_initial_call=True,
    )
    def _summary(filter_model: Any, quick: Any, dimension: Any, *rest: Any) -> dict[str, Any]:
        # Inputs come before States: the slot values, theme, ready, the graphs, the re-ask;
        # then the KPI slots, table, slot columns and the charts this table has.
        facet_values = rest[: ids.MAX_FACETS]
        theme, ready, graphs, _again, kpi_slots, table, facet_columns, wanted = rest[
            ids.MAX_FACETS :
        ]
        charts = [g["chart"] for g in graphs or []]
        if not ready or (wanted and not charts):
            # First rows first: the SQL aggregates and the graphs wait for the grid; when the
            # table has charts, their arrival (mounted on "ready") runs this once.
            raise PreventUpdate
        # What this answer is for: the browser drops it if the screen has moved on meanwhile.
        echo = summary_echo(filter_model, quick, dimension, facet_values)
        return {"echo": echo, **summary_figures(
            table, filter_model, quick, dimension, facet_columns, facet_values,
            dark=theme == "dark", slots=len(kpi_slots or []), charts=charts,
        )}  # fmt: skip

    # KPIs, charts and the exact count reach the page only if they answer what it shows now:
    # an answer to an earlier filter, however it came late, is dropped and asked again.
    app.clientside_callback(
        ClientsideFunction(namespace="dataview", function_name="applySummary"),
        Output(ids.KPI_ROWS, "children"),
        Output(ids.kpi_value_id(ALL), "children"),
        Output(ids.kpi_note_id(ALL), "children"),
        Output(ids.graph_id(ALL), "figure"),
        Output(ids.CHART_ERROR, "children"),
        # The exact count comes with the KPIs (they read every matching row anyway); the grid's
        # first answer may have shown the planner's estimate.
        Output(ids.STATUS, "children", allow_duplicate=True),
        Output(ids.SUMMARY_AGAIN, "data"),
        Input(ids.SUMMARY, "data"),
        State(ids.GRID, "filterModel"),
        State(ids.QUICK, "value"),
        State(ids.DIMENSION, "value"),
        *(State(slot, "value") for slot in ids.FACET_SLOTS),
        State(ids.SUMMARY_AGAIN, "data"),
        prevent_initial_call=True,
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
        click: Any, dimension: Any, facet_columns: list[Any] | None, *facet_values: Any
    ) -> list[Any]:
        try:
            value = click["points"][0]["x"]
        except (TypeError, KeyError, IndexError):
            raise PreventUpdate from None
        columns = list(facet_columns or [])
        if dimension not in columns or value == OTHER_LABEL:
            raise PreventUpdate
        chosen = BLANK if value == BLANK_LABEL else value
        pairs = zip(columns, facet_values, strict=False)
        return [[chosen] if c == dimension else v for c, v in pairs]

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.GRID, "filterModel", allow_duplicate=True),
        Input(ids.graph_id("trend"), "clickData"),
        State(ids.GRID, "filterModel"),
        State(ids.TABLE, "data"),
        prevent_initial_call=True,
    )
    def _drill_period(click: Any, filter_model: Any, table: str) -> dict[str, Any]:
        try:
            period = click["points"][0]["x"]
        except (TypeError, KeyError, IndexError):
            raise PreventUpdate from None
        trend = current_dataview().dashboard(table).trend
        if trend is None:
            raise PreventUpdate
        return {**(filter_model or {}), trend.column: period_filter(period, trend.grain)}
