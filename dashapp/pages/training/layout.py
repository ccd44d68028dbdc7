"""Layout pieces of the training page: launch form, live run panel, history grid, comparison."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.pages.training import form, ids, run_manage, sweep_form
from dashapp.pages.training import sweep_ids as sids
from dashapp.recipes import Recipe


def launch_form(recipes: dict[str, Recipe], chosen: Recipe, can_train: bool) -> dbc.Card:
    """The recipe picker, its generated parameter form and the Start button."""
    picker = html.Div(
        [
            dbc.Label("Recipe", html_for=ids.RECIPE, className="small mb-0"),
            dbc.Select(
                id=ids.RECIPE,
                options=[{"label": r.title, "value": r.name} for r in recipes.values()],
                value=chosen.name,
                size="sm",
            ),
        ],
        className="mb-2",
    )
    start = dbc.Button(
        [html.Span(className="d-none", id=ids.START_SPINNER), "Start training"],
        id=ids.START,
        color="primary",
        className="mt-3 w-100",
        disabled=not can_train,
    )
    note = (
        None
        if can_train
        else html.P("Viewers see results; starting runs needs the trainer role.", className="small")
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("New run", className="h5"),
                picker,
                sweep_form.mode_switch(),
                html.Div(form.description(chosen), id=ids.RECIPE_DESCRIPTION),
                html.Div(form.fields(chosen), id=ids.FORM_FIELDS),
                html.Div(start, id=sids.SINGLE_PART),
                sweep_form.panel(chosen, can_train),
                note,
                html.Div(id=ids.FORM_ERROR, className="mt-2", role="alert"),
                dcc.Store(id=ids.FIELD_ERRORS),
            ]
        ),
        className="dashapp-card h-100",
    )


def run_panel() -> dbc.Card:
    """The live view of one run; every part is filled by the poll callback."""
    buttons = html.Div(
        [
            dbc.Button("Cancel run", id=ids.CANCEL, color="danger", outline=True, size="sm"),
            dbc.Button("Re-run", id=ids.RERUN, color="secondary", outline=True, size="sm"),
        ],
        className="d-flex gap-2",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                # Shown (by training.css) while no run is open; the rest of the panel is hidden.
                html.P(
                    "No run open. Start one with the form, or click a run in the list below.",
                    className="train-panel-empty text-body-secondary mb-0",
                ),
                html.Div(
                    [
                        html.H2(id=ids.RUN_TITLE, className="h5 mb-0 me-2"),
                        html.Span(id=ids.RUN_STATUS),
                        html.Div(buttons, className="ms-auto"),
                    ],
                    className="d-flex flex-wrap align-items-center gap-2 mb-2",
                ),
                # Named for screen readers by assets/02_a11y_fixes.js (dbc passes no aria-label).
                html.Div(
                    dbc.Progress(
                        id=ids.PROGRESS,
                        value=0,
                        label="",
                        className="mb-1",
                        style={"height": "1.25rem"},
                    ),
                    **{"data-progress-label": "Training progress"},  # type: ignore[arg-type]
                ),
                html.Div(
                    [
                        html.Span(id=ids.ETA),
                        html.Span(id=ids.JOB_PROGRESS, className="ms-3"),
                    ],
                    className="small text-body-secondary mb-2",
                ),
                html.Div(id=ids.ACTION_MSG, role="status"),
                run_manage.details_card(),
                html.Div(id=ids.STATS, className="small mb-2"),
                # No fixed height: the figure grows a row of panels per two metrics.
                dcc.Graph(id=ids.CURVES, config={"displaylogo": False}),
                html.Div(id=ids.GALLERY, className="d-flex flex-wrap gap-2 my-2"),
                dbc.Row(
                    [
                        dbc.Col(
                            [html.H3("Configuration", className="h6"), html.Div(id=ids.CONFIG)],
                            md=5,
                        ),
                        dbc.Col(
                            [
                                html.H3("Log", className="h6"),
                                # A scrolling region: keyboard users reach and scroll it too.
                                html.Pre(
                                    id=ids.LOG,
                                    className="small dashapp-train-log",
                                    tabIndex="0",
                                    role="log",
                                    **{"aria-label": "Run log"},  # type: ignore[arg-type]
                                ),
                            ],
                            md=7,
                        ),
                    ]
                ),
                html.Div(id=ids.JOB_RESULT, className="d-none"),
            ]
        ),
        id=ids.PANEL,
        className="dashapp-card",
    )


GRID_COLUMNS = [
    {"field": "id", "headerName": "#", "width": 80, "checkboxSelection": True},
    {"field": "name", "width": 160, "filter": "agTextColumnFilter"},
    {"field": "tags", "width": 150, "filter": "agTextColumnFilter"},
    {"field": "status", "width": 120, "filter": "agTextColumnFilter"},
    {"field": "owner", "width": 120, "filter": "agTextColumnFilter"},
    {"field": "recipe", "width": 110, "filter": "agTextColumnFilter"},
    {
        "field": "val_accuracy",
        "headerName": "val acc",
        "width": 110,
        "filter": "agNumberColumnFilter",
        "valueFormatter": {
            "function": "params.value == null ? '' : d3.format('.3f')(params.value)"
        },
    },
    {
        "field": "val_loss",
        "headerName": "val loss",
        "width": 110,
        "valueFormatter": {
            "function": "params.value == null ? '' : d3.format('.4f')(params.value)"
        },
    },
    {
        "field": "duration_s",
        "headerName": "duration (s)",
        "width": 120,
        "filter": "agNumberColumnFilter",
        "valueFormatter": {
            "function": "params.value == null ? '' : d3.format('.1f')(params.value)"
        },
    },
    {"field": "device", "width": 170},
    {
        "field": "samples_per_s",
        "headerName": "samples/s",
        "width": 120,
        "valueFormatter": {
            "function": "params.value == null ? '' : d3.format(',.0f')(params.value)"
        },
    },
    {"field": "epochs", "width": 90},
    {"field": "batch_size", "headerName": "batch", "width": 90},
    {"field": "lr", "width": 90},
    {"field": "optimizer", "width": 100},
    {"field": "created", "width": 170, "sort": "desc"},
]


def history_section(user_name: str, recipe_names: dict[str, str] | None = None) -> html.Div:
    """Runs grid (mine/everyone's, searched and filtered), with multi-select for comparison."""
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Runs", className="h5 mb-0 me-3"),
                    dbc.RadioItems(
                        id=ids.SCOPE,
                        options=[
                            {"label": f"Mine ({user_name})", "value": "mine"},
                            {"label": "Everyone's", "value": "all"},
                        ],
                        value="mine",
                        inline=True,
                    ),
                    html.Span(
                        "Click a row to open it; tick rows to compare.",
                        className="small text-body-secondary ms-auto",
                    ),
                ],
                className="d-flex flex-wrap align-items-center gap-2 mb-2",
            ),
            run_manage.filter_bar(recipe_names or {}),
            dag.AgGrid(
                id=ids.GRID,
                columnDefs=GRID_COLUMNS,
                rowData=[],
                defaultColDef={"sortable": True, "resizable": True},
                getRowId="params.data.id",
                dashGridOptions={
                    "theme": "themeQuartz",
                    "localeText": {
                        "noRowsToShow": "No runs here yet: start one with the form above."
                    },
                    "rowSelection": "multiple",
                    "suppressRowClickSelection": True,
                    "animateRows": False,
                },
                style={"height": "320px"},
            ),
            html.H2("Comparison", className="h5 mt-3"),
            html.P(
                "Tick two or more runs above.",
                id=ids.COMPARE_HINT,
                className="small text-body-secondary",
            ),
            # Shown once a run is ticked: no empty axes or "No Rows To Show" before that.
            html.Div(
                [
                    html.Fieldset(
                        [
                            html.Legend("Metrics to chart", className="small mb-1 fs-6"),
                            dbc.Checklist(
                                id=ids.COMPARE_METRICS,
                                options=[],
                                value=[],
                                inline=True,
                                className="small",
                            ),
                        ],
                        className="mb-1",
                    ),
                    dcc.Graph(id=ids.COMPARE_GRAPH, config={"displaylogo": False}),
                    dbc.Switch(
                        id=ids.COMPARE_DIFF_ONLY,
                        label="Only settings that differ",
                        value=False,
                        className="small mt-2 mb-1",
                    ),
                    dag.AgGrid(
                        id=ids.COMPARE_TABLE,
                        columnDefs=[{"field": "setting"}],
                        rowData=[],
                        # Rows where the runs disagree are marked (colour and a bar, not colour
                        # alone): what ML staff look for first when comparing runs.
                        rowClassRules={
                            "train-compare-differs": {"function": "params.data.differs"}
                        },
                        dashGridOptions={
                            "theme": "themeQuartz",
                            "domLayout": "autoHeight",
                            "localeText": {
                                "noRowsToShow": "The ticked runs have the same settings and "
                                "results."
                            },
                        },
                    ),
                ],
                id=ids.COMPARE_BODY,
                hidden=True,
            ),
        ]
    )
