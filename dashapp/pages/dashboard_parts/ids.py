"""Component ids of the dashboard page (all prefixed `dash-`)."""

from __future__ import annotations

GRID = "dash-grid"
TABLE = "dash-table"
QUICK = "dash-quick"
MAX_FACETS = 4
# Fixed slots, not pattern-matching ids: each shows one low-cardinality column of the table.
FACET_SLOTS = tuple(f"dash-facet-{i}" for i in range(MAX_FACETS))
FACET_COLUMNS = "dash-facet-columns"
ROWS = "dash-rows"
READY = "dash-ready"  # set once the first block is shown: charts wait for it
PURGE = "dash-purge"
STATUS = "dash-status"
GRID_ERROR = "dash-grid-error"
KPI_ROWS = "dash-kpi-rows"
KPI_REVENUE = "dash-kpi-revenue"
KPI_RETURNS = "dash-kpi-returns"
TREND = "dash-trend"  # the trend chart's slot: a placeholder, then the graph
BREAKDOWN = "dash-breakdown"  # likewise for the breakdown chart
DIMENSION = "dash-dimension"
CHART_ERROR = "dash-chart-error"
# The graphs join the page after the first rows (see summary_callbacks): their ids match a
# pattern, so callbacks that write to them are valid before they exist.
GRAPH_TYPE = "dash-graph"


def graph_id(chart: object) -> dict[str, object]:
    """The id of the graph in slot TREND ("trend") or BREAKDOWN ("breakdown"), or dash.ALL."""
    return {"type": GRAPH_TYPE, "chart": chart}


EXPORT_CSV = "dash-export-csv"
EXPORT_XLSX = "dash-export-xlsx"
VIEWS = "dash-views"
VIEW_NAME = "dash-view-name"
VIEW_SAVE = "dash-view-save"
VIEW_DELETE = "dash-view-delete"
VIEW_MESSAGE = "dash-view-message"
VIEW_ID = "dash-view-id"
URL = "dash-url"
URL_SYNC = "dash-url-sync"
