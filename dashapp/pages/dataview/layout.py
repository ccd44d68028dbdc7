"""The dashboard's components: table picker, views bar, KPIs and charts (the grid's column is
in grid_panel)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.dataview.config.spec import DashboardSpec
from dashapp.dataview.saved_views import ViewInfo
from dashapp.dataview.schema import GridTable
from dashapp.pages.dataview import ids


def bi_icon(name: str) -> html.I:
    """A Bootstrap icon before a label, hidden from screen readers."""
    return html.I(className=f"bi bi-{name} me-1", **{"aria-hidden": "true"})  # type: ignore[arg-type]


def table_picker(current: str, tables: list[str]) -> dbc.DropdownMenu:
    """Links to each allowed table (navigating re-renders the page for it)."""
    return dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(t, href="/?" + urlencode({"table": t}), active=t == current)
            for t in tables
        ],
        label=[bi_icon("table"), current],
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
                [bi_icon("bookmark-plus"), "Save"], id=ids.VIEW_SAVE, size="sm", color="primary"
            ),
            dbc.Button(
                [bi_icon("share"), "Share"],
                id=ids.VIEW_SHARE,
                size="sm",
                color="outline-secondary",
                title="A link that opens this saved view for a colleague (read-only)",
            ),
            dbc.Button(
                [bi_icon("trash"), "Delete"], id=ids.VIEW_DELETE, size="sm", color="outline-danger"
            ),
            html.Span(id=ids.VIEW_MESSAGE, className="small text-body-secondary", role="status"),
            share_box(),
            html.Div(
                [
                    html.Span(id=ids.VIEW_CONFIRM_TEXT, className="small me-1"),
                    dbc.Button("Delete view", id=ids.VIEW_CONFIRM_YES, size="sm", color="danger"),
                    dbc.Button(
                        "Cancel", id=ids.VIEW_CONFIRM_NO, size="sm", color="outline-secondary"
                    ),
                ],
                id=ids.VIEW_CONFIRM,
                className=CONFIRM_CLASS + " d-none",
                role="alertdialog",
                **{"aria-labelledby": ids.VIEW_CONFIRM_TEXT},  # type: ignore[arg-type]
            ),
            dcc.Store(id=ids.VIEW_DELETED),
            dbc.Toast(
                [
                    html.Span("The view was deleted. ", className="me-2"),
                    dbc.Button("Undo", id=ids.VIEW_UNDO, size="sm", color="primary"),
                ],
                id=ids.VIEW_UNDO_TOAST,
                header="View deleted",
                is_open=False,
                dismissable=True,
                duration=8000,
                # Solid and above the grid (a see-through toast was unreadable on a phone).
                className="dv-undo-toast bg-body",
            ),
        ],
        className="dv-views d-flex flex-wrap align-items-center gap-2",
    )


def share_box() -> html.Div:
    """The saved view's share link, read-only and selectable, with a copy button (hidden until
    the owner asks for it)."""
    return html.Div(
        [
            dcc.Store(id=ids.VIEW_SHARE_PATH),
            dbc.Label(
                "Share link for this saved view",
                html_for=ids.VIEW_SHARE_URL,
                className="visually-hidden",
            ),
            dbc.InputGroup(
                [
                    dbc.Input(id=ids.VIEW_SHARE_URL, readonly=True, size="sm"),
                    dbc.InputGroupText(
                        dcc.Clipboard(
                            id=ids.VIEW_SHARE_COPY,
                            target_id=ids.VIEW_SHARE_URL,
                            title="Copy the link",
                        )
                    ),
                ],
                size="sm",
            ),
        ],
        id=ids.VIEW_SHARE_BOX,
        hidden=True,
        className="dv-view-share w-100",
    )


CONFIRM_CLASS = "dv-view-confirm d-flex flex-wrap align-items-center gap-2"


def kpi_card(
    label: str,
    value_id: str | dict[str, object],
    icon: str,
    note_id: dict[str, object] | None = None,
    title: str | None = None,
) -> dbc.Col:
    """A headline figure, with a line under it for why it cannot be shown."""
    body = dbc.CardBody(
        [
            html.Div(
                [bi_icon(icon), label],
                className="dv-kpi-label small text-body-secondary",
                title=title or label,
            ),
            html.Div("…", id=value_id, className="dv-kpi-value"),
            html.Div(id=note_id, className="dv-kpi-note small text-body-secondary")
            if note_id
            else None,
        ]
    )
    return dbc.Col(dbc.Card(body, className="dashapp-card dv-kpi h-100"), xs=12, sm=6, lg=True)


def kpi_row(spec: DashboardSpec) -> dbc.Row:
    """The row count, then the table's KPIs (at most ids.MAX_KPIS)."""
    cards = [kpi_card("Rows", ids.KPI_ROWS, "list-ol")]
    for index, kpi in enumerate(spec.kpis[: ids.MAX_KPIS]):
        cards.append(
            kpi_card(kpi.label, ids.kpi_value_id(index), "graph-up", ids.kpi_note_id(index),
                     kpi.description)
        )  # fmt: skip
    return dbc.Row(cards, className=KPIS_CLASS, id=ids.KPIS)


# While the KPIs and charts recompute they are dimmed under a spinner (summary_callbacks).
KPIS_CLASS = "g-3 mb-3 dv-kpis dv-summary"
CHARTS_CLASS = "dv-charts dv-summary"
BUSY = " dv-busy"


CHART_CONFIG: Any = {"displayModeBar": False, "responsive": True}


def graph(chart: str) -> dcc.Graph:
    """One chart ("trend" or "breakdown"); clicks on it filter the grid."""
    return dcc.Graph(id=ids.graph_id(chart), config=CHART_CONFIG, className="dv-chart")


def _note(text: str, note_id: str) -> html.P:
    return html.P(
        [bi_icon("info-circle"), text], id=note_id, className="small text-body-secondary mb-0"
    )


def charts(spec: DashboardSpec, table: GridTable, dimension: str | None) -> html.Div:
    """The table's trend and breakdown; for a chart the table cannot have, a line saying why.

    The graphs themselves are put in their slots once the first rows show (see
    summary_callbacks): until then a placeholder of the same height holds the place, and the
    browser has not had to load Plotly."""
    trend, bars = spec.trend, spec.breakdown
    trend_title = (trend.title if trend and trend.title else None) or (
        f"Trend by {trend.grain}" if trend else "Trend"
    )
    bars_title = (bars.title if bars and bars.title else None) or (
        "Breakdown by" if bars else "Breakdown"
    )
    options = [{"label": table.column(d).header, "value": d} for d in spec.dimensions]
    return html.Div(
        [
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2(trend_title, className="h6", id=ids.TREND_TITLE),
                        html.Div(
                            chart_placeholder() if trend else None,
                            id=ids.TREND,
                            className="" if trend else "d-none",
                        ),
                        _note(spec.notes.get("trend", ""), ids.TREND_NOTE)
                        if trend is None
                        else html.Div(id=ids.TREND_NOTE),
                    ]
                ),
                className="dashapp-card mb-3",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(
                            [
                                html.H2(bars_title, className="h6 mb-0 me-2"),
                                dcc.Dropdown(
                                    id=ids.DIMENSION,
                                    options=options,
                                    value=dimension,
                                    clearable=False,
                                    className="dv-dimension" if bars else "dv-dimension d-none",
                                ),
                            ],
                            className="d-flex align-items-center mb-2",
                        ),
                        html.Div(
                            chart_placeholder() if bars else None,
                            id=ids.BREAKDOWN,
                            className="" if bars else "d-none",
                        ),
                        _note(spec.notes.get("breakdown", ""), ids.BREAKDOWN_NOTE)
                        if bars is None
                        else html.Div(id=ids.BREAKDOWN_NOTE),
                    ]
                ),
                className="dashapp-card",
            ),
            html.Div(id=ids.CHART_ERROR, className="small text-danger mt-2", role="alert"),
        ],
        id=ids.CHARTS_BOX,
        className=CHARTS_CLASS,
    )


def chart_placeholder() -> html.Div:
    """A grey block the size of a chart."""
    return html.Div(
        html.Span(className="placeholder w-100 h-100 rounded"),
        className="dv-chart placeholder-glow",
    )
