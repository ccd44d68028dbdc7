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
# store: KPIs, charts and count with the screen state they were computed for (applied in the
# browser only while the screen still shows that state)
SUMMARY = "dash-summary"
SUMMARY_AGAIN = "dash-summary-again"  # store: the browser asks again after a stale answer
PURGE = "dash-purge"
STATUS = "dash-status"
GRID_ERROR = "dash-grid-error"
KPI_ROWS = "dash-kpi-rows"
KPIS = "dash-kpis"  # the KPI cards' row (dimmed while they recompute)
CHARTS_BOX = "dash-charts-box"  # the charts' column (likewise)
# Slots for the table's KPIs (configured or default), after the row count.
MAX_KPIS = 6
KPI_VALUE_TYPE = "dash-kpi-value"
KPI_NOTE_TYPE = "dash-kpi-note"


def kpi_value_id(index: object) -> dict[str, object]:
    """The id of KPI slot `index`'s figure (pattern-matching: tables have 0 to MAX_KPIS)."""
    return {"type": KPI_VALUE_TYPE, "index": index}


def kpi_note_id(index: object) -> dict[str, object]:
    """The id of the line under KPI slot `index` saying why it cannot be shown."""
    return {"type": KPI_NOTE_TYPE, "index": index}


TREND_TITLE = "dash-trend-title"
TREND_NOTE = "dash-trend-note"  # why there is no trend chart
BREAKDOWN_NOTE = "dash-breakdown-note"
SEARCH_NOTE = "dash-search-note"
CHARTS = "dash-charts"  # store: which charts this table has ("trend", "breakdown")
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
EXPORT_XLSX = "dash-export-xlsx"  # a button: the file is built by a background job
XLSX_ARGS = "dash-xlsx-args"  # store: state and columns the Excel button exports
XLSX_JOB = "dash-xlsx-job"  # store: {"export_id": id} of the queued job
XLSX_STATUS = "dash-xlsx-status"  # queued / refused message
XLSX_PROGRESS = "dash-xlsx-progress"  # progress while the job runs (hidden otherwise)
XLSX_PROGRESS_TEXT = "dash-xlsx-progress-text"
XLSX_PROGRESS_WRAP = "dash-xlsx-progress-wrap"
XLSX_RESULT = "dash-xlsx-result"  # the download link, or why there is none
VIEWS = "dash-views"
VIEW_NAME = "dash-view-name"
VIEW_SAVE = "dash-view-save"
VIEW_DELETE = "dash-view-delete"
VIEW_MESSAGE = "dash-view-message"
VIEW_ID = "dash-view-id"
VIEW_SHARE = "dash-view-share"  # "Share view": a link with the view's share token
VIEW_SHARE_PATH = "dash-view-share-path"  # the link's path and query, from the server
VIEW_SHARE_BOX = "dash-view-share-box"  # the link, read-only, with a copy button
VIEW_SHARE_URL = "dash-view-share-url"
VIEW_SHARE_COPY = "dash-view-share-copy"
VIEW_CONFIRM = "dash-view-confirm"  # "Delete “name”?" with its two buttons
VIEW_CONFIRM_TEXT = "dash-view-confirm-text"
VIEW_CONFIRM_YES = "dash-view-confirm-yes"
VIEW_CONFIRM_NO = "dash-view-confirm-no"
VIEW_UNDO_TOAST = "dash-view-undo-toast"
VIEW_UNDO = "dash-view-undo"
VIEW_DELETED = "dash-view-deleted"  # store: id of the view just deleted (for Undo)
URL_SYNC = "dash-url-sync"  # store: the query string the address bar is rewritten to
URL_SYNCED = "dash-url-synced"  # store: when the address bar was last rewritten
URL_BASE = "dash-url-base"  # store: the view (id or share token) the URL is written against
NAVIGATE = "dash-navigate"  # store: a saved view's query string, pushed by dataview_url.js
LINK_PROBLEM = "dash-link-problem"  # a shared link whose state could not be read
SHARE_LINK = "dash-share-link"  # a link carrying table, filters, sort and search
CHIPS = "dash-chips"  # the active filters, each removable
CLEAR_ALL = "dash-clear-all"
CHIP_TYPE = "dash-chip"
DATE_PRESET = "dash-date-preset"
DATE_RANGE_BOX = "dash-date-range-box"
DATE_RANGE_MSG = "dash-date-range-msg"
DATE_FROM = "dash-date-from"  # the custom range's two date fields
DATE_TO = "dash-date-to"


def chip_id(key: object) -> dict[str, object]:
    """The remove button of one filter chip (key: 'filter:<col>', 'facet:<col>', 'quick')."""
    return {"type": CHIP_TYPE, "key": key}


COLUMNS = "dash-columns"  # the column chooser's checklist (visible columns)
COLUMNS_DONE = "dash-columns-done"
PINNED = "dash-pinned"  # the column chooser's second checklist (columns pinned to the left)
PINNED_DONE = "dash-pinned-done"
