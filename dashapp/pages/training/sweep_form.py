"""The launch form's Sweep mode: values to sweep per parameter, strategy, count, seed, objective."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from pydantic.fields import FieldInfo

from dashapp.pages.training import ids
from dashapp.pages.training import sweep_ids as sids
from dashapp.pages.training.form import _choices, _plain, field_kind, label_of
from dashapp.recipes import Recipe

SWEEPABLE = ("number-int", "number-float", "select")
# Metric names the built-ins log; any other name can be typed.
KNOWN_METRICS = ("val_accuracy", "val_loss", "accuracy", "loss")
DEFAULT_COUNT = "8"


def sweepable(recipe: Recipe) -> list[tuple[str, FieldInfo]]:
    """The recipe's numeric and choice fields, in the model's order."""
    fields = recipe.params.model_fields.items()
    return [(name, info) for name, info in fields if field_kind(info) in SWEEPABLE]


def _hint(info: FieldInfo) -> str:
    kind = field_kind(info)
    if kind == "select":
        options = ", ".join(str(o) for o in _choices(_plain(info.annotation)) or [])
        return f"e.g. {options}"
    if kind == "number-int":
        return "e.g. 16, 32, 64 or 8..128"
    return "e.g. 0.01, 0.1 or 0.001..0.1 log"


def axis_inputs(recipe: Recipe) -> dbc.Row:
    """One values box per sweepable parameter; an empty box keeps the value above."""
    columns: list[Any] = []
    for name, info in sweepable(recipe):
        box = sids.axis_id(name)
        columns.append(
            dbc.Col(
                [
                    dbc.Label(
                        f"{label_of(name, info)} values",
                        html_for=ids.dom_id(box),
                        className="small mb-0",
                    ),
                    dbc.Input(
                        id=box,
                        type="text",
                        placeholder=_hint(info),
                        size="sm",
                        autoComplete="off",
                    ),
                    dbc.FormFeedback(id=sids.axis_feedback_id(name), type="invalid"),
                ],
                xs=12,
                sm=6,
                className="mb-1",
            )
        )
    return dbc.Row(columns, className="g-2")


def mode_switch() -> html.Div:
    """Single run or sweep."""
    return html.Div(
        dbc.RadioItems(
            id=sids.MODE,
            options=[
                {"label": "Single run", "value": "single"},
                {"label": "Sweep", "value": "sweep"},
            ],
            value="single",
            inline=True,
            className="small",
        ),
        className="mb-2",
    )


def _small_input(component_id: str, label: str, value: str, help_text: str) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id, className="small mb-0"),
            dbc.Input(
                id=component_id,
                type="text",
                inputMode="numeric",
                value=value,
                size="sm",
                autoComplete="off",
            ),
            dbc.FormFeedback(id=f"{component_id}-feedback", type="invalid"),
            dbc.FormText(help_text),
        ],
        xs=6,
    )


def panel(recipe: Recipe, can_train: bool) -> html.Div:
    """The sweep settings, the swept values, the run count and the Launch button (hidden until
    the Sweep mode is chosen)."""
    strategy = html.Div(
        [
            dbc.Label("Search", html_for=sids.STRATEGY, className="small mb-0 d-block"),
            dbc.RadioItems(
                id=sids.STRATEGY,
                options=[
                    {"label": "Grid (every combination)", "value": "grid"},
                    {"label": "Random", "value": "random"},
                ],
                value="grid",
                inline=True,
                className="small",
            ),
        ],
        className="mb-1",
    )
    numbers = dbc.Row(
        [
            _small_input(sids.COUNT, "Runs (random)", DEFAULT_COUNT, "How many draws"),
            _small_input(sids.SEED, "Sampling seed", "0", "Same seed, same draws"),
        ],
        className="g-2 mb-1",
    )
    objective = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Metric to rank by", html_for=sids.METRIC, className="small mb-0"),
                    dbc.Input(
                        id=sids.METRIC,
                        type="text",
                        value="val_accuracy",
                        list=sids.METRIC_NAMES,
                        size="sm",
                        autoComplete="off",
                    ),
                    dbc.FormFeedback(id=f"{sids.METRIC}-feedback", type="invalid"),
                    html.Datalist(
                        [html.Option(value=m) for m in KNOWN_METRICS], id=sids.METRIC_NAMES
                    ),
                ],
                xs=7,
            ),
            dbc.Col(
                [
                    dbc.Label("Goal", html_for=sids.GOAL, className="small mb-0"),
                    dbc.Select(
                        id=sids.GOAL,
                        options=[
                            {"label": "maximise", "value": "max"},
                            {"label": "minimise", "value": "min"},
                        ],
                        value="max",
                        size="sm",
                    ),
                ],
                xs=5,
            ),
        ],
        className="g-2 mb-2",
    )
    return html.Div(
        [
            html.H3("Sweep", className="h6 mt-3 mb-1"),
            html.P(
                "Give the values to try for one or more parameters: a list (0.01, 0.1) or, "
                "for random search, a range (0.001..0.1, add log for a log scale). "
                "Parameters left empty keep their value above.",
                className="small text-body-secondary mb-2",
            ),
            strategy,
            numbers,
            objective,
            html.H4("Values to try", className="small fw-semibold mb-1"),
            html.Div(axis_inputs(recipe), id=sids.AXES),
            html.Div(id=sids.PREVIEW, className="small mt-2", role="status"),
            dbc.Button(
                "Launch sweep",
                id=sids.START,
                color="primary",
                className="mt-2 w-100",
                disabled=not can_train,
            ),
            html.Div(id=sids.ERROR, className="mt-2", role="alert"),
            dcc.Location(id=sids.URL, refresh="callback-nav"),
        ],
        id=sids.FORM,
        className="d-none",
    )
