"""Download: the web tier checks and queues a render; a background job (queue `dash`) runs it."""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, no_update, set_props
from flask import Flask

from dashapp.background import managers_for
from dashapp.compositing import renders
from dashapp.compositing.geometry import PlacementError
from dashapp.compositing.images import ImageInputError
from dashapp.pages.compositor import ids
from dashapp.pages.compositor.common import owner, text
from dashapp.pages.compositor.widgets import message
from dashapp.settings import current_settings
from dashapp.web.callback_guard import secured_callback
from dashapp.web.download_names import file_stem
from dashapp.web.identity import Role, User
from dashapp.web.job_guards import guard_job

POLL_MS = 500


def download_stem(name: Any) -> str:
    """A safe file name (without extension) for the download."""
    return file_stem(text(name) or "", "composite")


def render_url(render_id: int) -> str:
    """Where the browser fetches a finished render (dashapp.routes.compositor)."""
    return f"/compositor/renders/{render_id}/download"


def run_job(server: Flask, render_id: int, progress: Any) -> tuple[Any, Any]:
    """The job: run the queued render; (done data, message) for the page."""
    with server.app_context():
        finished = renders.run_render(render_id, current_settings(), progress)
    if not finished.ok:
        return None, message(finished.message)
    done = {"url": render_url(render_id), "render_id": render_id}
    return done, message(f"Downloaded. {finished.message}", "success")


def register_export_callbacks(app: Dash) -> None:
    """Bind the download callbacks to `app`."""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.DOWNLOAD, "data"),
        Output(ids.EXPORT_MSG, "children"),
        Input(ids.DOWNLOAD_BTN, "n_clicks"),
        State(ids.PLACEMENT, "data"),
        State(ids.FORMAT, "value"),
        State(ids.QUALITY, "value"),
        State(ids.NAME, "value"),
        prevent_initial_call=True,
    )
    def _on_download(
        _n: int | None, placement: Any, fmt: Any, quality: Any, name: Any
    ) -> tuple[Any, Any]:
        try:
            render_id = renders.queue_render(
                owner(), placement, fmt or "png", quality, download_stem(name), current_settings()
            )
        except (PlacementError, ImageInputError) as exc:
            return no_update, message(str(exc))
        set_props(ids.RENDER_REQ, {"data": {"render_id": render_id}})
        set_props(ids.EXPORT_RESULT, {"children": None})
        return no_update, None

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.RENDER_DONE, "data"),
        Output(ids.EXPORT_RESULT, "children"),
        Input(ids.RENDER_REQ, "data"),
        background=True,
        manager=managers_for(app).ui,
        progress=[Output(ids.EXPORT_PROGRESS, "children")],
        progress_default=[None],
        running=[
            (Output(ids.DOWNLOAD_BTN, "disabled"), True, False),
            (Output(ids.RENDER_CANCEL, "hidden"), False, True),
        ],
        # Dash terminates the job (SIGTERM on the worker; the render records "cancelled").
        cancel=[Input(ids.RENDER_CANCEL, "n_clicks")],
        interval=POLL_MS,
        prevent_initial_call=True,
    )
    def _render_job(set_progress: Any, request: Any) -> tuple[Any, Any]:
        render_id = request.get("render_id") if isinstance(request, dict) else None
        if not isinstance(render_id, int) or isinstance(render_id, bool):
            return no_update, no_update
        return run_job(app.server, render_id, lambda text: set_progress([text]))

    def check_job_request(body: dict[str, Any], user: User) -> tuple[int, str] | None:
        """Only the owner's queued render may start a job (refused before the broker)."""
        inputs = body.get("inputs") or [{}]
        first = inputs[0] if isinstance(inputs, list) and isinstance(inputs[0], dict) else {}
        request = first.get("value")
        render_id = request.get("render_id") if isinstance(request, dict) else None
        if renders.owns_queued(user.username, render_id):
            return None
        return 404, "No such render waiting to be run."

    guard_job(app, render_job_key(app), check_job_request)

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.EXPORT_MSG, "children", allow_duplicate=True),
        Input(ids.RENDER_CANCEL, "n_clicks"),
        State(ids.RENDER_REQ, "data"),
        prevent_initial_call=True,
    )
    def _on_cancel(_n: int | None, request: Any) -> Any:
        # The row stops counting as running now, whatever the worker is doing.
        render_id = request.get("render_id") if isinstance(request, dict) else None
        if renders.cancel_render(owner(), render_id):
            return message("Render cancelled.", "secondary")
        return no_update

    app.clientside_callback(
        ClientsideFunction(namespace="compositor", function_name="renderQueued"),
        Output(ids.APPLIED, "data", allow_duplicate=True),
        Input(ids.RENDER_REQ, "data"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        ClientsideFunction(namespace="compositor", function_name="fetchRender"),
        Output(ids.APPLIED, "data", allow_duplicate=True),
        Input(ids.RENDER_DONE, "data"),
        prevent_initial_call=True,
    )


def render_job_key(app: Dash) -> str:
    """The callback-map key of the render job callback (its outputs, as Dash names them)."""
    for key in app.callback_map:
        if f"{ids.RENDER_DONE}.data" in key and f"{ids.EXPORT_RESULT}.children" in key:
            return key
    raise LookupError("the render job callback is not registered")
