"""Training page: launch runs, watch them live (from the database), browse and compare runs."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashapp.auth import Role, current_user, page_guard, secured_callback
from dashapp.background import managers_for, queue_available
from dashapp.extensions import db
from dashapp.job_guards import guard_job
from dashapp.models.training import TrainingRun
from dashapp.pages.training_panel import PANEL_OUTPUTS, panel_outputs
from dashapp.pages.training_widgets import (
    FORM_FIELDS,
    field_id,
    history_section,
    launch_form,
    run_panel,
)
from dashapp.services import run_views, runs
from dashapp.services.training_job import JOB_OUTPUT, check_job_request, execute_run
from dashapp.settings import current_settings
from tasks.training.config import ConfigError

dash.register_page(__name__, path="/training", name="Training", order=1, title="Training · dashapp")


def _initial_run(query: dict[str, str]) -> int | None:
    """?run=ID when given, else the user's newest active run (so a reload finds it again)."""
    raw = query.get("run", "")
    if raw.isdigit():
        return int(raw)
    active = runs.latest_active_run(current_user())
    return active.id if active else None


def layout(**query: str) -> object:
    """The page, or an explanation when the user lacks the role."""
    denied = page_guard(Role.VIEWER)
    if denied is not None:
        return denied
    user = current_user()
    assert user is not None
    return html.Div(
        [
            html.H1("Training", className="h3 mb-3"),
            dbc.Row(
                [
                    dbc.Col(launch_form(user.has(Role.TRAINER)), lg=4, className="mb-3"),
                    dbc.Col(run_panel(), lg=8, className="mb-3"),
                ]
            ),
            history_section(user.username),
            dcc.Store(id="train-current", data=_initial_run(query)),
            dcc.Store(id="train-launch"),
            dcc.Store(id="train-force-cancel"),
            dcc.Store(id="train-rendered"),
            dcc.Interval(id="train-poll", interval=current_settings().training_poll_ms),
            dcc.Interval(id="train-grid-poll", interval=5000),
        ],
        id="page-training",
    )


def _error_list(errors: dict[str, str]) -> dbc.Alert:
    return dbc.Alert(
        [html.Strong("Please fix: "), html.Ul([html.Li(f"{k}: {v}") for k, v in errors.items()])],
        color="danger",
        className="py-2 small",
        id="train-form-alert",
    )


def register_callbacks(app: Dash) -> None:
    """Bind the page's callbacks to `app`."""

    @secured_callback(
        app,
        Role.TRAINER,
        Output("train-launch", "data"),
        Output("train-current", "data"),
        Output("train-form-error", "children"),
        Input("train-start", "n_clicks"),
        Input("train-rerun", "n_clicks"),
        State("train-current", "data"),
        *(State(field_id(name), "value") for name in FORM_FIELDS),
        prevent_initial_call=True,
    )
    def _launch(_start: int | None, _rerun: int | None, current: Any, *values: Any) -> Any:
        """Insert and commit the run row, then hand its id to the job callback."""
        if not queue_available(current_settings()):
            message = "The job queue is unavailable right now. Try again in a minute."
            return no_update, no_update, dbc.Alert(message, color="warning", className="py-2")
        try:
            if ctx.triggered_id == "train-rerun":
                if not current:
                    raise PreventUpdate
                run = runs.rerun(current_user(), int(current))
            else:
                form = dict(zip(FORM_FIELDS, values, strict=True))
                run = runs.create_run(current_user(), form)
        except ConfigError as exc:
            return no_update, no_update, _error_list(exc.errors)
        except runs.RunError as exc:
            return no_update, no_update, dbc.Alert(str(exc), color="danger", className="py-2")
        return {"run_id": run.id}, run.id, None

    @secured_callback(
        app,
        Role.TRAINER,
        Output("train-job-result", "children"),
        Input("train-launch", "data"),
        background=True,
        manager=managers_for(app).training,
        progress=[Output("train-job-progress", "children")],
        running=[
            (Output("train-start", "disabled"), True, False),
            (
                Output("train-start-spinner", "className"),
                "spinner-border spinner-border-sm me-2",
                "d-none",
            ),
        ],
        cancel=[Input("train-force-cancel", "data")],
        prevent_initial_call=True,
    )
    def _job(set_progress: Any, launched: dict[str, Any] | None) -> str:
        """The training job: runs on the training manager (Celery queue `gpu`, or diskcache)."""
        run_id = (launched or {}).get("run_id")
        if not run_id:
            return ""
        return execute_run(app.server, int(run_id), set_progress)

    # Checked in the web tier before the job is queued: a queued run of the caller's only.
    guard_job(app, JOB_OUTPUT, check_job_request)

    @secured_callback(
        app,
        Role.TRAINER,
        Output("train-action-msg", "children"),
        Input("train-cancel", "n_clicks"),
        State("train-current", "data"),
        prevent_initial_call=True,
    )
    def _cancel(_clicks: int | None, current: Any) -> Any:
        """Flag the run; its loop stops within a step (or Dash's cancel kills it after a grace)."""
        if not current:
            raise PreventUpdate
        try:
            runs.request_cancel(current_user(), int(current))
        except runs.RunError as exc:
            return dbc.Alert(str(exc), color="danger", className="py-2 small")
        return dbc.Alert("Cancel requested.", color="info", className="py-2 small", duration=4000)

    @secured_callback(
        app,
        Role.VIEWER,
        *PANEL_OUTPUTS,
        Input("train-poll", "n_intervals"),
        Input("train-current", "data"),
        State("train-launch", "data"),
        State("theme-mode", "data"),
        State("train-rendered", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _poll(
        _n: int | None, current: Any, launched: Any, theme: Any, shown: Any
    ) -> tuple[Any, ...]:
        """Read the run row (sweeping it if its worker died) and redraw the panel."""
        if not current:
            raise PreventUpdate
        try:
            run = runs.get_run(int(current))
        except runs.RunNotFound:
            raise PreventUpdate from None
        try:
            return panel_outputs(run, launched, theme, shown or {})
        finally:
            db.session.remove()

    @secured_callback(
        app,
        Role.VIEWER,
        Output("train-grid", "rowData"),
        Input("train-scope", "value"),
        Input("train-grid-poll", "n_intervals"),
        Input("train-current", "data"),
    )
    def _grid(scope: str, _n: int | None, _current: Any) -> list[dict[str, Any]]:
        """The runs grid."""
        return [run_views.grid_row(r) for r in runs.list_runs(current_user(), scope or "mine")]

    @secured_callback(
        app,
        Role.VIEWER,
        Output("train-current", "data", allow_duplicate=True),
        Input("train-grid", "cellClicked"),
        prevent_initial_call=True,
    )
    def _open(cell: dict[str, Any] | None) -> Any:
        """Open the clicked run in the panel."""
        row_id = (cell or {}).get("rowId")
        if row_id is None:
            raise PreventUpdate
        return int(row_id)

    @secured_callback(
        app,
        Role.VIEWER,
        Output("train-compare-graph", "figure"),
        Output("train-compare-table", "rowData"),
        Output("train-compare-table", "columnDefs"),
        Input("train-grid", "selectedRows"),
        State("theme-mode", "data"),
    )
    def _compare(selected: list[dict[str, Any]] | None, theme: Any) -> tuple[Any, ...]:
        """Curves overlaid and configs side by side for the ticked runs."""
        ids = [int(row["id"]) for row in (selected or [])][:8]
        chosen = [r for r in (db.session.get(TrainingRun, i) for i in ids) if r is not None]
        template = "plotly_dark" if theme == "dark" else "plotly_white"
        figure = run_views.curves_figure(chosen, template)
        figure.update_layout(paper_bgcolor="rgba(0,0,0,0)")
        columns = [{"field": "setting", "pinned": "left"}] + [{"field": f"#{r.id}"} for r in chosen]
        return figure, run_views.comparison_rows(chosen), columns
