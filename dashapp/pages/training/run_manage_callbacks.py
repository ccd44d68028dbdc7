"""Callbacks of run management: thin adapters over training/run_manage and run_search."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from werkzeug.exceptions import Forbidden, NotFound

from dashapp.extensions import db
from dashapp.models.training import TrainingRun
from dashapp.pages.training import ids
from dashapp.pages.training.run_ids import run_id_from
from dashapp.pages.training.run_manage import ANY
from dashapp.routes.run_metrics import metrics_csv_url
from dashapp.training import run_manage, run_search, run_views
from dashapp.training.runs import RunError, RunForbidden, RunNotFound
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role, current_user

FIELD_ERRORS = {"name": ids.RUN_NAME, "tags": ids.RUN_TAGS, "notes": ids.RUN_NOTES}


def _run(current: Any) -> TrainingRun | None:
    if not current:
        return None
    return db.session.get(TrainingRun, run_id_from(current))


def _chosen(value: Any) -> str:
    """A filter select's value; "" for Any."""
    return value if isinstance(value, str) and value != ANY else ""


def _refused(exc: RunError) -> dbc.Alert:
    """A 403/404 for a run the user may not touch (the page never offers it: a forged or stale
    request); other refusals (a live run, bad input) are said on the page."""
    if isinstance(exc, RunForbidden):
        raise Forbidden(str(exc))
    if isinstance(exc, RunNotFound):
        raise NotFound(str(exc))
    return _alert(str(exc))


def _alert(text: str, colour: str = "danger") -> dbc.Alert:
    duration = 4000 if colour != "danger" else None
    return dbc.Alert(text, color=colour, className="py-2 small mb-2", duration=duration)


def _field_errors(user: Any, name: Any, tags: Any, notes: Any) -> dict[str, str]:
    """Each field's own message, so it shows under the field the user typed in."""
    errors: dict[str, str] = {}
    for field, check, value in (
        ("name", run_manage.clean_name, name),
        ("tags", run_manage.parse_tags, tags),
        ("notes", run_manage.clean_notes, notes),
    ):
        try:
            check(value if isinstance(value, str) or value is None else str(value))
        except RunError as exc:
            errors[field] = str(exc)
    return errors


def register_manage_callbacks(app: Dash) -> None:
    """Bind run management's callbacks to `app`."""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.RUN_NAME, "value"),
        Output(ids.RUN_TAGS, "value"),
        Output(ids.RUN_NOTES, "value"),
        Output(ids.RERUN_FROM, "children"),
        Output(ids.DETAILS, "hidden"),
        Input(ids.CURRENT, "data"),
        Input(ids.MANAGE_VERSION, "data"),
    )
    def _details(current: Any, _version: Any) -> tuple[Any, ...]:
        """The open run's name, tags and notes (only when the run changes or was saved)."""
        run = _run(current)
        if run is None:
            return "", "", "", None, True
        source: Any = None
        if run.rerun_of:
            exists = db.session.get(TrainingRun, run.rerun_of) is not None
            label = f"Re-run from #{run.rerun_of}" + ("" if exists else " (deleted)")
            source = (
                html.A(label, href=f"/training?run={run.rerun_of}", id="train-rerun-link")
                if exists
                else label
            )
        return run.name or "", ", ".join(run.tags), run.notes or "", source, False

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.RUN_NAME, "disabled"),
        Output(ids.RUN_TAGS, "disabled"),
        Output(ids.RUN_NOTES, "disabled"),
        Output(ids.SAVE_DETAILS, "disabled"),
        Output(ids.ARCHIVE, "disabled"),
        Output(ids.ARCHIVE, "children"),
        Output(ids.DELETE, "disabled"),
        Output(ids.METRICS_CSV, "href"),
        Output(ids.METRICS_CSV, "hidden"),
        Input(ids.CURRENT, "data"),
        Input(ids.MANAGE_VERSION, "data"),
        Input(ids.RENDERED, "data"),  # the panel redrew: the status may have changed
    )
    def _controls(current: Any, _version: Any, _shown: Any) -> tuple[Any, ...]:
        """What the user may do to the open run, as the lifecycle policy decides."""
        user = current_user()
        run = _run(current)
        if run is None:
            return True, True, True, True, True, "Archive", True, "", True
        decisions = run_manage.decisions_for(user, run)
        locked = not decisions.can_manage
        may_download = user is not None and (user.has(Role.ADMIN) or run.owner == user.username)
        return (
            locked,
            locked,
            locked,
            locked,
            locked or (run.is_active and not run.archived),
            "Unarchive" if run.archived else "Archive",
            not decisions.can_delete,
            metrics_csv_url(run.id),
            not may_download,
        )

    @secured_callback(
        app,
        Role.TRAINER,
        Output(ids.MANAGE_MSG, "children", allow_duplicate=True),
        Output(ids.MANAGE_VERSION, "data", allow_duplicate=True),
        Output(ids.RUN_NAME, "invalid"),
        Output(ids.RUN_TAGS, "invalid"),
        Output(ids.RUN_NOTES, "invalid"),
        Output(ids.RUN_NAME_FEEDBACK, "children"),
        Output(ids.RUN_TAGS_FEEDBACK, "children"),
        Output(ids.RUN_NOTES_FEEDBACK, "children"),
        Input(ids.SAVE_DETAILS, "n_clicks"),
        State(ids.CURRENT, "data"),
        State(ids.RUN_NAME, "value"),
        State(ids.RUN_TAGS, "value"),
        State(ids.RUN_NOTES, "value"),
        State(ids.MANAGE_VERSION, "data"),
        prevent_initial_call=True,
    )
    def _save(
        _clicks: Any, current: Any, name: Any, tags: Any, notes: Any, version: Any
    ) -> tuple[Any, ...]:
        """Save name, tags and notes; a bad field is marked with its own message."""
        if not current:
            raise PreventUpdate
        user = current_user()
        errors = _field_errors(user, name, tags, notes)
        marks = tuple(f in errors for f in FIELD_ERRORS)
        texts = tuple(errors.get(f, "") for f in FIELD_ERRORS)
        if errors:
            return (_alert("Nothing saved: fix the marked field."), no_update, *marks, *texts)
        try:
            run_manage.update_details(user, run_id_from(current), name, tags, notes)
        except RunError as exc:
            return (_refused(exc), no_update, *marks, *texts)
        return (_alert("Saved.", "success"), (version or 0) + 1, *marks, *texts)

    @secured_callback(
        app,
        Role.TRAINER,
        Output(ids.MANAGE_MSG, "children", allow_duplicate=True),
        Output(ids.MANAGE_VERSION, "data", allow_duplicate=True),
        Input(ids.ARCHIVE, "n_clicks"),
        State(ids.CURRENT, "data"),
        State(ids.MANAGE_VERSION, "data"),
        prevent_initial_call=True,
    )
    def _archive(_clicks: Any, current: Any, version: Any) -> tuple[Any, ...]:
        """Archive the open run, or bring it back."""
        if not current:
            raise PreventUpdate
        try:
            run = _run(current)
            if run is None:
                raise NotFound(f"Run {run_id_from(current)} does not exist.")
            run = run_manage.set_archived(current_user(), run.id, not run.archived)
            text = (
                f"Run #{run.id} archived: hidden from the list unless “Show archived” is on."
                if run.archived
                else f"Run #{run.id} is back in the list."
            )
        except RunError as exc:
            return _refused(exc), no_update
        return _alert(text, "success"), (version or 0) + 1

    @secured_callback(
        app,
        Role.TRAINER,
        Output(ids.DELETE_MODAL, "is_open"),
        Input(ids.DELETE, "n_clicks"),
        Input(ids.DELETE_DISMISS, "n_clicks"),
        prevent_initial_call=True,
    )
    def _ask(_delete: Any, _dismiss: Any) -> bool:
        """Delete asks first."""
        return ctx.triggered_id == ids.DELETE

    @secured_callback(
        app,
        Role.TRAINER,
        Output(ids.MANAGE_MSG, "children", allow_duplicate=True),
        Output(ids.MANAGE_REDIRECT, "data"),
        Output(ids.DELETE_MODAL, "is_open", allow_duplicate=True),
        Input(ids.DELETE_CONFIRM, "n_clicks"),
        State(ids.CURRENT, "data"),
        prevent_initial_call=True,
    )
    def _delete(_clicks: Any, current: Any) -> tuple[Any, ...]:
        """Delete the open run (checked on the server), then reload the page without it."""
        if not current:
            raise PreventUpdate
        try:
            run_manage.delete_run(current_user(), run_id_from(current))
        except RunError as exc:
            return _refused(exc), no_update, False
        return no_update, f"/training?deleted={run_id_from(current)}", False

    # A full reload after a delete: the panel, the URL and the grid all forget the run.
    app.clientside_callback(
        """function (href) {
            if (href) { window.location.assign(href); }
            return window.dash_clientside.no_update;
        }""",
        Output(ids.MANAGE_REDIRECT, "id"),
        Input(ids.MANAGE_REDIRECT, "data"),
        prevent_initial_call=True,
    )

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.GRID, "rowData"),
        Output(ids.SEARCH, "invalid"),
        Output(ids.SEARCH_FEEDBACK, "children"),
        Output(ids.FILTER_TAG, "options"),
        Input(ids.SCOPE, "value"),
        Input(ids.GRID_POLL, "n_intervals"),
        Input(ids.CURRENT, "data"),
        Input(ids.MANAGE_VERSION, "data"),
        Input(ids.SEARCH, "value"),
        Input(ids.FILTER_RECIPE, "value"),
        Input(ids.FILTER_STATUS, "value"),
        Input(ids.FILTER_TAG, "value"),
        Input(ids.SHOW_ARCHIVED, "value"),
    )
    def _grid(
        scope: Any,
        _n: Any,
        _current: Any,
        _version: Any,
        text: Any,
        recipe: Any,
        status: Any,
        tag: Any,
        show_archived: Any,
    ) -> tuple[Any, ...]:
        """The runs grid, searched and filtered; a bad search is said under the box."""
        user = current_user()
        scope = "all" if scope == "all" else "mine"
        tags = [{"label": "Any", "value": ANY}] + [
            {"label": t, "value": t} for t in run_search.known_tags(user, scope)
        ]
        try:
            query = run_search.parse_query(
                text if isinstance(text, str) else "",
                scope=scope,
                recipe=_chosen(recipe),
                status=_chosen(status),
                tag=_chosen(tag),
                show_archived=bool(show_archived),
            )
        except RunError as exc:
            return no_update, True, str(exc), tags
        rows = [run_views.grid_row(r) for r in run_search.search_runs(user, query)]
        return rows, False, "", tags
