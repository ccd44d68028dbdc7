"""Callbacks of the sweep parts: thin adapters over training/sweeps and training/sweep_spec."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashapp.background import queue_available
from dashapp.pages.training import ids, sweep_chart, sweep_form, sweep_view
from dashapp.pages.training import sweep_ids as sids
from dashapp.pages.training.run_ids import run_id_from
from dashapp.recipes.validation import FORM_LEVEL
from dashapp.settings import current_settings
from dashapp.training import recipe_catalog, runs, sweeps
from dashapp.training.sweep_spec import (
    COUNT_KEY,
    METRIC_KEY,
    SEED_KEY,
    STRATEGY_KEY,
    SweepSpec,
    SweepSpecError,
    planned_runs,
)
from dashapp.training.sweep_text import spec_from_form
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role, current_user

# The form's inputs, in the order `_read_form` takes them.
FORM_STATE = (
    State(ids.RECIPE, "value"),
    State({"type": ids.PARAM, "name": ALL}, "value"),
    State({"type": ids.PARAM, "name": ALL}, "id"),
    State({"type": ids.PARAM_CHECK, "name": ALL}, "value"),
    State({"type": ids.PARAM_CHECK, "name": ALL}, "id"),
    State({"type": sids.AXIS, "name": ALL}, "value"),
    State({"type": sids.AXIS, "name": ALL}, "id"),
    State(sids.STRATEGY, "value"),
    State(sids.COUNT, "value"),
    State(sids.SEED, "value"),
    State(sids.METRIC, "value"),
    State(sids.GOAL, "value"),
)
SWEEP_KEYS = {COUNT_KEY: sids.COUNT, SEED_KEY: sids.SEED, METRIC_KEY: sids.METRIC}


def _by_name(values: list[Any] | None, id_list: list[dict[str, str]] | None) -> dict[str, Any]:
    return {str(i.get("name")): v for i, v in zip(id_list or [], values or [], strict=False)}


def _read_form(*state: Any) -> SweepSpec:
    """The spec the form describes (SweepSpecError for boxes that cannot be read)."""
    recipe, values, value_ids, checks, check_ids, axes, axis_ids, *rest = state
    strategy, count, seed, metric, goal = rest
    fixed = _by_name(values, value_ids) | _by_name(checks, check_ids)
    return spec_from_form(
        str(recipe or ""), fixed, _by_name(axes, axis_ids), strategy, count, seed, metric, goal
    )


def _preview_text(spec: SweepSpec, recipe_title: str) -> Any:
    n = planned_runs(spec)
    if spec.strategy == "grid":
        sizes = " × ".join(str(len(a.values)) for a in spec.axes)
        how = f"a {sizes} grid" if len(spec.axes) > 1 else "one per value"
    else:
        how = f"random draws, seed {spec.seed}"
    return html.Span(
        [
            html.Strong(f"Will launch {n} run{'s' if n != 1 else ''}"),
            f" of {recipe_title} ({how}).",
        ],
        id=sids.PREVIEW + "-count",
    )


def _problems(errors: dict[str, str], axis_names: set[str]) -> Any:
    """What no box shows: form-level messages and the single-run fields' own errors."""
    items = []
    for key, message in errors.items():
        if key in axis_names or key in SWEEP_KEYS:
            continue
        items.append(html.Li(message if key in (FORM_LEVEL, STRATEGY_KEY) else f"{key}: {message}"))
    if len(items) < len(errors):
        items.insert(0, html.Li("Fix the marked boxes."))
    return dbc.Alert(
        html.Ul(items, className="mb-0 ps-3"), color="danger", className="py-2 small mb-0"
    )


def register_sweep_callbacks(app: Dash) -> None:
    """Bind the sweep parts' callbacks to `app`."""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(sids.SINGLE_PART, "className"),
        Output(sids.FORM, "className"),
        Input(sids.MODE, "value"),
    )
    def _mode(mode: Any) -> tuple[str, str]:
        """Show the Start button or the sweep settings."""
        sweep = mode == "sweep"
        return ("d-none" if sweep else ""), ("" if sweep else "d-none")

    @secured_callback(
        app,
        Role.VIEWER,
        Output(sids.COUNT, "disabled"),
        Output(sids.SEED, "disabled"),
        Input(sids.STRATEGY, "value"),
    )
    def _strategy(strategy: Any) -> tuple[bool, bool]:
        """Count and seed matter for random search only."""
        grid = strategy != "random"
        return grid, grid

    @secured_callback(
        app,
        Role.VIEWER,
        Output(sids.AXES, "children"),
        Input(ids.RECIPE, "value"),
        prevent_initial_call=True,
    )
    def _axes(name: Any) -> Any:
        """The chosen recipe's sweepable parameters."""
        recipe = recipe_catalog.find(str(name or ""))
        if recipe is None:
            raise PreventUpdate
        return sweep_form.axis_inputs(recipe)

    @secured_callback(
        app,
        Role.VIEWER,
        Output(sids.PREVIEW, "children"),
        Output({"type": sids.AXIS, "name": ALL}, "invalid"),
        Output({"type": sids.AXIS_FEEDBACK, "name": ALL}, "children"),
        *[Output(box, "invalid") for box in SWEEP_KEYS.values()],
        *[Output(f"{box}-feedback", "children") for box in SWEEP_KEYS.values()],
        Input(sids.MODE, "value"),
        Input({"type": sids.AXIS, "name": ALL}, "value"),
        Input(sids.STRATEGY, "value"),
        Input(sids.COUNT, "value"),
        Input(sids.SEED, "value"),
        Input(sids.METRIC, "value"),
        Input(sids.GOAL, "value"),
        Input({"type": ids.PARAM, "name": ALL}, "value"),
        *FORM_STATE,
        prevent_initial_call=True,
    )
    def _preview(mode: Any, *args: Any) -> tuple[Any, ...]:
        """How many runs the sweep will launch, or what is wrong, on each box, as it is typed."""
        if mode != "sweep":
            raise PreventUpdate
        state = args[7:]
        axis_names = [str(o["id"]["name"]) for o in ctx.outputs_list[1]]
        errors: dict[str, str] = {}
        preview: Any = None
        try:
            spec = _read_form(*state)
            if not spec.axes:  # nothing typed yet: a hint, not an error
                preview = html.Span("Give values for at least one parameter below.")
            else:
                preview = _preview_text(spec, sweeps.plan(spec).recipe.title)
        except SweepSpecError as exc:
            errors = exc.errors
        except runs.RunError as exc:
            errors = {FORM_LEVEL: str(exc)}
        if errors:
            preview = _problems(errors, set(axis_names))
        return (
            preview,
            [name in errors for name in axis_names],
            [errors.get(name, "") for name in axis_names],
            *[key in errors for key in SWEEP_KEYS],
            *[errors.get(key, "") for key in SWEEP_KEYS],
        )

    @secured_callback(
        app,
        Role.TRAINER,
        Output(sids.URL, "href"),
        Output(sids.ERROR, "children"),
        Output(ids.FIELD_ERRORS, "data", allow_duplicate=True),
        Input(sids.START, "n_clicks"),
        *FORM_STATE,
        prevent_initial_call=True,
    )
    def _launch(_clicks: int | None, *state: Any) -> tuple[Any, ...]:
        """Check the whole sweep on the server, queue its runs, open the sweep view."""
        if not queue_available(current_settings()):
            message = "The job queue is unavailable right now. Try again in a minute."
            return no_update, dbc.Alert(message, color="warning", className="py-2"), {}
        try:
            sweep_id = sweeps.launch(current_user(), _read_form(*state)).id
        except SweepSpecError as exc:
            field_names = {str(i.get("name")) for i in (state[2] or [])}
            swept = {
                str(i.get("name"))
                for i, v in zip(state[6] or [], state[5] or [], strict=False)
                if v
            }
            on_fields = {k: v for k, v in exc.errors.items() if k in field_names - swept}
            return no_update, _problems(exc.errors, swept), on_fields
        except runs.RunError as exc:
            return no_update, dbc.Alert(str(exc), color="danger", className="py-2 small"), {}
        return f"/training?sweep={sweep_id}", None, {}

    @secured_callback(
        app,
        Role.VIEWER,
        Output(sids.COUNTS, "children"),
        Output(sids.PROGRESS, "children"),
        Output(sids.CHART, "figure"),
        Output(sids.BEST, "children"),
        Output(sids.RUNS, "children"),
        Output(sids.POLL, "disabled"),
        Output(sids.CANCEL, "disabled"),
        Output(sids.SHOWN, "data"),
        Input(sids.POLL, "n_intervals"),
        Input(sids.CURRENT, "data"),
        Input("theme-mode", "data"),
        State(sids.SHOWN, "data"),
    )
    def _view(_n: int | None, sweep_id: Any, theme: Any, shown: Any) -> tuple[Any, ...]:
        """Progress, chart, best run and runs of the sweep; polling stops once all are over,
        and nothing is redrawn while no run changed."""
        if not sweep_id:
            raise PreventUpdate
        try:
            sweep = sweeps.get_sweep(run_id_from(sweep_id, "sweep"))
            members = sweeps.sweep_runs(sweep.id)
            signature = [theme, [[r.id, r.status, sweeps.objective(sweep, r)] for r in members]]
            if signature == shown:
                raise PreventUpdate
            template = "plotly_dark" if theme == "dark" else "plotly_white"
            finished = bool(members) and not any(r.is_active for r in members)
            return (
                sweep_view.counts(members),
                sweep_view.progress(members),
                sweep_chart.figure(sweep, members, template),
                sweep_view.best(sweep, members),
                sweep_view.runs_table(sweep, members),
                finished,
                finished,  # nothing left to cancel
                signature,
            )
        except sweeps.SweepNotFound:
            raise PreventUpdate from None

    @secured_callback(
        app,
        Role.TRAINER,
        Output(sids.ACTION_MSG, "children"),
        Output(sids.POLL, "disabled", allow_duplicate=True),
        Input(sids.CANCEL, "n_clicks"),
        State(sids.CURRENT, "data"),
        prevent_initial_call=True,
    )
    def _cancel(_clicks: int | None, sweep_id: Any) -> tuple[Any, bool]:
        """Cancel every queued or running run of the sweep."""
        if not sweep_id:
            raise PreventUpdate
        try:
            asked = sweeps.cancel(current_user(), run_id_from(sweep_id, "sweep"))
        except runs.RunError as exc:
            return dbc.Alert(str(exc), color="danger", className="py-2 small"), False
        text = f"Cancel requested for {asked} run{'s' if asked != 1 else ''}."
        return dbc.Alert(text, color="info", className="py-2 small", duration=4000), False

    @secured_callback(
        app,
        Role.VIEWER,
        Output(sids.LIST, "children"),
        Input(sids.LIST_POLL, "n_intervals"),
        Input(ids.SCOPE, "value"),
    )
    def _list(_n: int | None, scope: Any) -> Any:
        """The sweeps list (mine or everyone's, following the runs grid's choice)."""
        found = sweeps.list_sweeps(current_user(), str(scope or "mine"))
        members = sweeps.runs_by_sweep([s.id for s in found])
        return sweep_view.list_table([sweeps.summary_row(s, members[s.id]) for s in found])
