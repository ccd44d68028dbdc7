"""The live run panel's outputs, computed from the run row by the page's poll callback."""

from __future__ import annotations

from typing import Any

from dash import Output, no_update
from dash.exceptions import PreventUpdate

from dashapp.models.training import RunStatus, TrainingRun, utcnow
from dashapp.pages.training import figures, ids, render
from dashapp.settings import current_settings
from dashapp.training import queue_state, runs
from dashapp.training.run_lifecycle import RunState, decide
from dashapp.web.identity import Role, current_user

PANEL_OUTPUTS = [
    Output(ids.RUN_TITLE, "children"),
    Output(ids.RUN_STATUS, "children"),
    Output(ids.PROGRESS, "value"),
    Output(ids.PROGRESS, "label"),
    Output(ids.PROGRESS, "animated"),
    Output(ids.ETA, "children"),
    Output(ids.STATS, "children"),
    Output(ids.CURVES, "figure"),
    Output(ids.CANCEL, "disabled"),
    Output(ids.RERUN, "disabled"),
    Output(ids.GALLERY, "children"),
    Output(ids.CONFIG, "children"),
    Output(ids.LOG, "children"),
    Output(ids.FORCE_CANCEL, "data"),
    Output(ids.LAUNCH, "data", allow_duplicate=True),
    Output(ids.RENDERED, "data"),
    Output(ids.JOB_PROGRESS, "children", allow_duplicate=True),
]


def _signature(run: TrainingRun, theme: str | None) -> dict[str, Any]:
    """What the panel shows; unchanged signature means nothing to redraw."""
    return {
        "run": run.id,
        "name": run.name,
        "status": run.status,
        "percent": run.percent,
        "eta": run.eta_s,
        "metrics": [run.progress_done, [[k, v] for k, v in sorted((run.summary or {}).items())]],
        "artifacts": len(run.artifacts),
        "log": len(run.log),
        "cancel": run.cancel_requested,
        "theme": theme,
    }


def run_state(run: TrainingRun, launched: dict[str, Any] | None) -> RunState:
    """The lifecycle policy's view of `run` for the signed-in user and this browser."""
    user = current_user()
    return RunState(
        status=RunStatus(run.status),
        cancel_requested=bool(run.cancel_requested),
        cancel_requested_at=run.cancel_requested_at,
        may_control=runs.can_control(user, run),
        may_launch=user is not None and user.has(Role.TRAINER),
        job_tracked=bool(launched) and (launched or {}).get("run_id") == run.id,
    )


def panel_outputs(
    run: TrainingRun, launched: dict[str, Any] | None, theme: str | None, shown: dict[str, Any]
) -> tuple[Any, ...]:
    """Every output of the poll callback for `run`; unchanged heavy parts are not resent."""
    decisions = decide(
        run_state(run, launched), utcnow(), current_settings().training_cancel_grace_s
    )
    signature = _signature(run, theme)
    workers: list[str] | None = None
    position: int | None = None
    if decisions.show_queue:
        workers, position = queue_state.workers_serving_training(), queue_state.queue_position(run)
        signature["queue"] = [workers, position]
    same_run = shown.get("run") == run.id and shown.get("theme") == theme
    figure: Any = no_update
    if not (same_run and shown.get("metrics") == signature["metrics"]):
        template = "plotly_dark" if theme == "dark" else "plotly_white"
        figure = figures.curves_figure([run], template)
        figure.update_layout(paper_bgcolor="rgba(0,0,0,0)")
    finished_parts = same_run and (shown.get("artifacts"), shown.get("status")) == (
        signature["artifacts"],
        signature["status"],
    )
    # The loop did not stop on the flag in time: kill the job through Dash's cancel.
    force_cancel: Any = run.id if decisions.kill_job else no_update
    # Its worker died: re-trigger the job callback so the browser stops polling a dead job.
    reset_launch: Any = {"run_id": None} if decisions.release_job else no_update
    if signature == shown and force_cancel is no_update and reset_launch is no_update:
        raise PreventUpdate
    return (
        f"Run #{run.id} · {run.name or run.recipe}",
        render.status_badge(run.status),
        run.percent,
        render.progress_label(run),
        decisions.progress_animated,
        render.eta_text(run, workers, position),
        render.stats(run),
        figure,
        not decisions.can_cancel,
        not decisions.can_rerun,
        no_update
        if finished_parts
        else render.gallery(run, runs.may_take_files(current_user(), run)),
        no_update if finished_parts else render.config_table(run),
        run.log,
        force_cancel,
        reset_launch,
        signature,
        "" if decisions.clear_job_progress else no_update,
    )
