"""The live run panel's outputs, computed from the run row by the page's poll callback."""

from __future__ import annotations

from typing import Any

from dash import Output, no_update
from dash.exceptions import PreventUpdate

from dashapp.auth import Role, current_user
from dashapp.models.training import TrainingRun, utcnow
from dashapp.pages import training_render as render
from dashapp.services import run_views, runs
from dashapp.settings import current_settings

PANEL_OUTPUTS = [
    Output("train-run-title", "children"),
    Output("train-run-status", "children"),
    Output("train-progress", "value"),
    Output("train-progress", "label"),
    Output("train-progress", "animated"),
    Output("train-eta", "children"),
    Output("train-stats", "children"),
    Output("train-curves", "figure"),
    Output("train-cancel", "disabled"),
    Output("train-rerun", "disabled"),
    Output("train-gallery", "children"),
    Output("train-config", "children"),
    Output("train-log", "children"),
    Output("train-force-cancel", "data"),
    Output("train-launch", "data", allow_duplicate=True),
    Output("train-rendered", "data"),
]


def _signature(run: TrainingRun, theme: str | None) -> dict[str, Any]:
    """What the panel shows; unchanged signature means nothing to redraw."""
    return {
        "run": run.id,
        "status": run.status,
        "percent": run.percent,
        "eta": run.eta_s,
        "metrics": len(run.metrics),
        "artifacts": len(run.artifacts),
        "log": len(run.log),
        "cancel": run.cancel_requested,
        "theme": theme,
    }


def panel_outputs(
    run: TrainingRun, launched: dict[str, Any] | None, theme: str | None, shown: dict[str, Any]
) -> tuple[Any, ...]:
    """Every output of the poll callback for `run`; unchanged heavy parts are not resent."""
    user = current_user()
    controllable = runs.can_control(user, run)
    signature = _signature(run, theme)
    same_run = shown.get("run") == run.id and shown.get("theme") == theme
    figure: Any = no_update
    if not (same_run and shown.get("metrics") == signature["metrics"]):
        template = "plotly_dark" if theme == "dark" else "plotly_white"
        figure = run_views.curves_figure([run], template)
        figure.update_layout(paper_bgcolor="rgba(0,0,0,0)")
    finished_parts = same_run and (shown.get("artifacts"), shown.get("status")) == (
        signature["artifacts"],
        signature["status"],
    )
    force_cancel: Any = no_update
    if (
        run.status == "running"
        and run.cancel_requested_at is not None
        and (utcnow() - run.cancel_requested_at).total_seconds()
        > current_settings().training_cancel_grace_s
    ):
        # The loop did not stop on the flag in time: kill the job through Dash's cancel.
        force_cancel = run.id
    reset_launch: Any = no_update
    if run.status == "lost" and launched and launched.get("run_id") == run.id:
        # Its worker died: re-trigger the job callback so the browser stops polling a dead job.
        reset_launch = {"run_id": None}
    if signature == shown and force_cancel is no_update and reset_launch is no_update:
        raise PreventUpdate
    return (
        f"Run #{run.id} · {run.dataset}",
        render.status_badge(run.status),
        run.percent,
        render.progress_label(run),
        run.status == "running",
        render.eta_text(run),
        render.stats(run),
        figure,
        not (controllable and run.is_active and not run.cancel_requested),
        not (user is not None and user.has(Role.TRAINER)) or run.is_active,
        no_update if finished_parts else render.gallery(run),
        no_update if finished_parts else render.config_table(run),
        run.log,
        force_cancel,
        reset_launch,
        signature,
    )
