"""Layout pieces of the training page: launch form, live run panel, history grid, comparison."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from tasks.training.config import CONFIG_FIELDS, DATASETS, DEVICES, OPTIMIZERS, TrainingConfig

# The form offers every setting but the validation split, which keeps its default.
FORM_FIELDS = tuple(name for name in CONFIG_FIELDS if name != "val_fraction")


def field_id(name: str) -> str:
    """Component id of a form field."""
    return f"train-{name.replace('_', '-')}"


def _number(name: str, label: str, value: float, step: float | str = 1) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=field_id(name), className="small mb-0"),
            dbc.Input(id=field_id(name), type="number", value=value, step=step, size="sm"),
        ],
        xs=6,
    )


def _select(name: str, label: str, options: dict[str, str] | tuple[str, ...], value: str) -> Any:
    items = options.items() if isinstance(options, dict) else ((o, o) for o in options)
    return dbc.Col(
        [
            dbc.Label(label, html_for=field_id(name), className="small mb-0"),
            dbc.Select(
                id=field_id(name),
                options=[{"label": text, "value": key} for key, text in items],
                value=value,
                size="sm",
            ),
        ],
        xs=12 if name == "dataset" else 6,
    )


def launch_form(can_train: bool) -> dbc.Card:
    """Hyperparameters and the Start button (disabled, with a note, for viewers)."""
    d = TrainingConfig()
    fields = dbc.Row(
        [
            _select("dataset", "Dataset", DATASETS, d.dataset),
            _number("epochs", "Epochs", d.epochs),
            _number("batch_size", "Batch size", d.batch_size),
            _number("lr", "Learning rate", d.lr, "any"),
            _select("optimizer", "Optimizer", OPTIMIZERS, d.optimizer),
            _number("seed", "Seed", d.seed),
            _select("device", "Device", DEVICES, d.device),
            _number("samples", "Synthetic images", d.samples),
            _number("image_size", "Image size (px)", d.image_size),
            _number("max_samples", "Max examples (0 = all)", d.max_samples),
        ],
        className="g-2",
    )
    start = dbc.Button(
        [html.Span(className="d-none", id="train-start-spinner"), "Start training"],
        id="train-start",
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
                fields,
                start,
                note,
                html.Div(id="train-form-error", className="mt-2", role="alert"),
            ]
        ),
        className="dashapp-card h-100",
    )


def run_panel() -> dbc.Card:
    """The live view of one run; every part is filled by the poll callback."""
    buttons = html.Div(
        [
            dbc.Button("Cancel run", id="train-cancel", color="danger", outline=True, size="sm"),
            dbc.Button("Re-run", id="train-rerun", color="secondary", outline=True, size="sm"),
        ],
        className="d-flex gap-2",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.H2(id="train-run-title", className="h5 mb-0 me-2"),
                        html.Span(id="train-run-status"),
                        html.Div(buttons, className="ms-auto"),
                    ],
                    className="d-flex flex-wrap align-items-center gap-2 mb-2",
                ),
                # Named for screen readers by assets/02_a11y_fixes.js (dbc passes no aria-label).
                html.Div(
                    dbc.Progress(
                        id="train-progress",
                        value=0,
                        label="",
                        className="mb-1",
                        style={"height": "1.25rem"},
                    ),
                    **{"data-progress-label": "Training progress"},  # type: ignore[arg-type]
                ),
                html.Div(
                    [
                        html.Span(id="train-eta"),
                        html.Span(id="train-job-progress", className="ms-3"),
                    ],
                    className="small text-body-secondary mb-2",
                ),
                html.Div(id="train-action-msg", role="status"),
                html.Div(id="train-stats", className="small mb-2"),
                dcc.Graph(
                    id="train-curves", config={"displaylogo": False}, style={"height": "320px"}
                ),
                html.Div(id="train-gallery", className="d-flex flex-wrap gap-2 my-2"),
                dbc.Row(
                    [
                        dbc.Col(
                            [html.H3("Configuration", className="h6"), html.Div(id="train-config")],
                            md=5,
                        ),
                        dbc.Col(
                            [
                                html.H3("Log", className="h6"),
                                html.Pre(id="train-log", className="small dashapp-train-log"),
                            ],
                            md=7,
                        ),
                    ]
                ),
                html.Div(id="train-job-result", className="d-none"),
            ]
        ),
        id="train-panel",
        className="dashapp-card",
    )


GRID_COLUMNS = [
    {"field": "id", "headerName": "#", "width": 80, "checkboxSelection": True},
    {"field": "status", "width": 120, "filter": "agTextColumnFilter"},
    {"field": "owner", "width": 120, "filter": "agTextColumnFilter"},
    {"field": "dataset", "width": 110, "filter": "agTextColumnFilter"},
    {
        "field": "val_acc",
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


def history_section(user_name: str) -> html.Div:
    """Runs grid (mine/everyone's), with multi-select for comparison."""
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Runs", className="h5 mb-0 me-3"),
                    dbc.RadioItems(
                        id="train-scope",
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
            dag.AgGrid(
                id="train-grid",
                columnDefs=GRID_COLUMNS,
                rowData=[],
                defaultColDef={"sortable": True, "resizable": True},
                getRowId="params.data.id",
                dashGridOptions={
                    "theme": "themeQuartz",
                    "rowSelection": "multiple",
                    "suppressRowClickSelection": True,
                    "animateRows": False,
                },
                style={"height": "320px"},
            ),
            html.H2("Comparison", className="h5 mt-3"),
            html.P(
                "Tick two or more runs above.",
                id="train-compare-hint",
                className="small text-body-secondary",
            ),
            dcc.Graph(id="train-compare-graph", config={"displaylogo": False}),
            dag.AgGrid(
                id="train-compare-table",
                columnDefs=[{"field": "setting"}],
                rowData=[],
                dashGridOptions={"theme": "themeQuartz", "domLayout": "autoHeight"},
            ),
        ]
    )
