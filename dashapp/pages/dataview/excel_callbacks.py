"""Excel export: the web tier checks and queues a job; a background job (queue `dash`) builds
the file with progress on the page, then the page shows a download link."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, html, no_update
from flask import Flask

from dashapp.background import managers_for
from dashapp.dataview import excel_jobs
from dashapp.dataview.errors import GridQueryError
from dashapp.pages.dataview import ids
from dashapp.settings import Settings, current_settings
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role, User, current_user
from dashapp.web.job_guards import guard_job

POLL_MS = 1000


def file_url(export_id: int) -> str:
    """Where the browser fetches a finished export (dashapp.routes.exports)."""
    return f"/export/jobs/{export_id}.xlsx"


def max_rows_for(user: User, settings: Settings) -> int | None:
    """The rows this user may export; None when their role may not export at all."""
    if not user.has(Role.parse(settings.dataview_export_role)):
        return None
    limit = settings.dataview_export_max_rows
    if not user.has(Role.TRAINER):
        limit = min(limit, settings.dataview_viewer_export_max_rows)
    return limit


def _job_id(request: Any) -> Any:
    return request.get("export_id") if isinstance(request, dict) else None


def run_job(server: Flask, export_id: int, set_progress: Any) -> Any:
    """The job: build the queued export; the page's download link, or why there is none."""

    def progress(done: int, total: int) -> None:
        share = min(100, round(100 * done / max(1, total)))
        set_progress([share, f"Building the Excel file: {done:,} rows…"])

    with server.app_context():
        finished = excel_jobs.run_excel(export_id, current_settings(), progress)
    if not finished.ok:
        return html.Span(finished.message, className="text-danger")
    return html.A(
        [
            html.I(className="bi bi-download me-1", **{"aria-hidden": "true"}),  # type: ignore[arg-type]
            f"Download {finished.filename}",
        ],
        href=file_url(export_id),
        className="btn btn-sm btn-success me-2",
        id=f"{ids.XLSX_RESULT}-link",
    ), html.Span(f"Ready: {finished.message}")


def register_excel_callbacks(app: Dash) -> None:
    """Bind the Excel export's callbacks to `app`."""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.XLSX_JOB, "data"),
        Output(ids.XLSX_STATUS, "children"),
        Output(ids.XLSX_RESULT, "children"),
        Input(ids.EXPORT_XLSX, "n_clicks"),
        State(ids.TABLE, "data"),
        State(ids.XLSX_ARGS, "data"),
        prevent_initial_call=True,
    )
    def _queue(_n: Any, table: Any, args: Any) -> tuple[Any, Any, Any]:
        user, settings = current_user(), current_settings()
        assert user is not None  # secured_callback refused anonymous requests
        limit = max_rows_for(user, settings)
        if limit is None:
            refusal = f"Exports need the {settings.dataview_export_role} role."
            return no_update, html.Span(refusal, className="text-danger"), None
        args = args if isinstance(args, dict) else {}
        try:
            queued = excel_jobs.queue_excel(
                user.username, table, args.get("state"), args.get("columns"), limit, settings
            )
        except GridQueryError as exc:
            return no_update, html.Span(str(exc), className="text-danger"), None
        # An earlier export whose worker died is said here, where the user acts next.
        return {"export_id": queued.export_id}, f"{queued.note}Excel export queued…", None

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.XLSX_RESULT, "children", allow_duplicate=True),
        Output(ids.XLSX_STATUS, "children", allow_duplicate=True),
        Input(ids.XLSX_JOB, "data"),
        background=True,
        manager=managers_for(app).exports,
        progress=[Output(ids.XLSX_PROGRESS, "value"), Output(ids.XLSX_PROGRESS_TEXT, "children")],
        progress_default=[0, "Building the Excel file…"],
        # Shown while the job runs, hidden when it ends (whatever progress came last).
        running=[
            (Output(ids.EXPORT_XLSX, "disabled"), True, False),
            (Output(ids.XLSX_PROGRESS_WRAP, "hidden"), False, True),
        ],
        interval=POLL_MS,
        prevent_initial_call=True,
    )
    def _build(set_progress: Any, request: Any) -> tuple[Any, Any]:
        export_id = _job_id(request)
        if not isinstance(export_id, int) or isinstance(export_id, bool):
            return no_update, no_update
        return run_job(app.server, export_id, set_progress), None

    def check_job_request(body: dict[str, Any], user: User) -> tuple[int, str] | None:
        """Only the owner's queued export may start a job (refused before the broker)."""
        inputs = body.get("inputs") or [{}]
        first = inputs[0] if isinstance(inputs[0], dict) else {}
        if excel_jobs.owns_queued(user.username, _job_id(first.get("value"))):
            return None
        return 404, "No such export waiting to be built."

    guard_job(app, job_callback_key(app), check_job_request)


def job_callback_key(app: Dash) -> str:
    """The callback-map key of the job callback (its outputs, as Dash names them)."""
    for key in app.callback_map:
        if f"{ids.XLSX_RESULT}.children@" in key and f"{ids.XLSX_STATUS}.children@" in key:
            return key
    raise LookupError("the Excel job callback is not registered")
