"""The training page's callbacks: thin adapters over training/runs and the run panel."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashapp.background import managers_for, queue_available
from dashapp.extensions import db
from dashapp.models.training import TrainingRun
from dashapp.pages.training import figures, form, ids
from dashapp.pages.training.panel import PANEL_OUTPUTS, panel_outputs
from dashapp.pages.training.run_ids import run_id_from
from dashapp.pages.training.run_manage_callbacks import register_manage_callbacks
from dashapp.recipes import ParamsError
from dashapp.recipes.validation import FORM_LEVEL
from dashapp.settings import current_settings
from dashapp.training import recipe_catalog, run_views, runs
from dashapp.training.training_job import check_job_request, execute_run
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role, current_user
from dashapp.web.job_guards import guard_job


def _form_values(values: list[Any], id_list: list[dict[str, str]]) -> dict[str, Any]:
    """Parameter name -> value, from the pattern-matched inputs."""
    return {str(i.get("name")): v for i, v in zip(id_list, values, strict=False)}


def _form_alert(errors: dict[str, str], shown_on_fields: set[str]) -> Any:
    """Errors that belong to no field on the form (and a pointer to those that do)."""
    rest = {k: v for k, v in errors.items() if k not in shown_on_fields}
    items: list[Any] = [html.Li(v if k == FORM_LEVEL else f"{k}: {v}") for k, v in rest.items()]
    if shown_on_fields:
        items.insert(0, html.Li("Some fields need fixing; see the messages under them."))
    return dbc.Alert(
        [html.Strong("Please fix: "), html.Ul(items, className="mb-0")],
        color="danger",
        className="py-2 small",
        id="train-form-alert",
    )


def register_callbacks(app: Dash) -> None:
    """Bind the page's callbacks to `app`."""

    @secured_callback(
        app,
        Role.TRAINER,
        Output(ids.LAUNCH, "data"),
        Output(ids.CURRENT, "data"),
        Output(ids.FORM_ERROR, "children"),
        Output(ids.FIELD_ERRORS, "data"),
        Input(ids.START, "n_clicks"),
        Input(ids.RERUN, "n_clicks"),
        State(ids.CURRENT, "data"),
        State(ids.RECIPE, "value"),
        State({"type": ids.PARAM, "name": ALL}, "value"),
        State({"type": ids.PARAM, "name": ALL}, "id"),
        State({"type": ids.PARAM_CHECK, "name": ALL}, "value"),
        State({"type": ids.PARAM_CHECK, "name": ALL}, "id"),
        prevent_initial_call=True,
    )
    def _launch(
        _start: int | None,
        _rerun: int | None,
        current: Any,
        recipe: Any,
        values: list[Any] | None,
        value_ids: list[dict[str, str]] | None,
        checks: list[Any] | None,
        check_ids: list[dict[str, str]] | None,
    ) -> Any:
        """Validate on the server, insert and commit the run row, hand its id to the job."""
        if not queue_available(current_settings()):
            message = "The job queue is unavailable right now. Try again in a minute."
            alert = dbc.Alert(message, color="warning", className="py-2")
            return no_update, no_update, alert, {}
        try:
            if ctx.triggered_id == ids.RERUN:
                if not current:
                    raise PreventUpdate
                run = runs.rerun(current_user(), run_id_from(current))
            else:
                params = _form_values(values or [], value_ids or [])
                params |= _form_values(checks or [], check_ids or [])
                run = runs.create_run(current_user(), str(recipe or ""), params)
        except ParamsError as exc:
            on_fields = {str(i.get("name")) for i in (value_ids or [])}
            shown = set(exc.errors) & on_fields
            return no_update, no_update, _form_alert(exc.errors, shown), exc.errors
        except runs.RunError as exc:
            alert = dbc.Alert(str(exc), color="danger", className="py-2")
            return no_update, no_update, alert, {}
        return {"run_id": run.id}, run.id, None, {}

    @secured_callback(
        app,
        Role.VIEWER,
        Output({"type": ids.PARAM, "name": ALL}, "invalid"),
        Output({"type": ids.FEEDBACK, "name": ALL}, "children"),
        Input(ids.FIELD_ERRORS, "data"),
        prevent_initial_call=True,
    )
    def _field_errors(errors: dict[str, str] | None) -> tuple[list[bool], list[str]]:
        """Mark each field the server refused and say why under it."""
        errors = errors or {}
        inputs = [str(o["id"]["name"]) for o in ctx.outputs_list[0]]
        feedback = [str(o["id"]["name"]) for o in ctx.outputs_list[1]]
        return [name in errors for name in inputs], [errors.get(name, "") for name in feedback]

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.FORM_FIELDS, "children"),
        Output(ids.RECIPE_DESCRIPTION, "children"),
        Output(ids.FORM_ERROR, "children", allow_duplicate=True),
        Input(ids.RECIPE, "value"),
        prevent_initial_call=True,
    )
    def _choose_recipe(name: Any) -> tuple[Any, ...]:
        """Show the chosen recipe's own parameters."""
        recipe = recipe_catalog.find(str(name or ""))
        if recipe is None:
            raise PreventUpdate
        return form.fields(recipe), form.description(recipe), None

    app.clientside_callback(
        """function (recipe, run) {
            var url = new URL(window.location.href);
            if (recipe) { url.searchParams.set("recipe", recipe); }
            if (run) { url.searchParams.set("run", run); }
            if (url.href !== window.location.href) {
                window.history.replaceState(window.history.state, "", url.href);
            }
            var trigger = window.dash_clientside.callback_context.triggered_id;
            var panel = document.getElementById("train-panel");
            if (trigger === "train-current" && run && panel) {
                var box = panel.getBoundingClientRect();
                if (box.top < 0 || box.top > window.innerHeight * 0.5) {
                    panel.scrollIntoView({block: "start", behavior: "instant"});
                }
            }
            return window.dash_clientside.no_update;
        }""",
        Output(ids.URL_SYNC, "data"),
        Input(ids.RECIPE, "value"),
        Input(ids.CURRENT, "data"),
    )

    @secured_callback(
        app,
        Role.TRAINER,
        Output(ids.JOB_RESULT, "children"),
        Input(ids.LAUNCH, "data"),
        background=True,
        manager=managers_for(app).training,
        progress=[Output(ids.JOB_PROGRESS, "children")],
        running=[
            (Output(ids.START, "disabled"), True, False),
            (
                Output(ids.START_SPINNER, "className"),
                "spinner-border spinner-border-sm me-2",
                "d-none",
            ),
        ],
        cancel=[Input(ids.FORCE_CANCEL, "data")],
        prevent_initial_call=True,
    )
    def _job(set_progress: Any, launched: dict[str, Any] | None) -> str:
        """The training job: runs on the training manager (Celery queue `gpu`, or diskcache)."""
        run_id = (launched or {}).get("run_id")
        if not run_id:
            return ""
        return execute_run(app.server, int(run_id), set_progress)

    # Checked in the web tier before the job is queued: a queued run of the caller's only.
    guard_job(app, f"{ids.JOB_RESULT}.children", check_job_request)

    @secured_callback(
        app,
        Role.TRAINER,
        Output(ids.ACTION_MSG, "children"),
        Input(ids.CANCEL, "n_clicks"),
        State(ids.CURRENT, "data"),
        prevent_initial_call=True,
    )
    def _cancel(_clicks: int | None, current: Any) -> Any:
        """Flag the run; its loop stops within a step (or Dash's cancel kills it after a grace)."""
        if not current:
            raise PreventUpdate
        try:
            runs.request_cancel(current_user(), run_id_from(current))
        except runs.RunError as exc:
            return dbc.Alert(str(exc), color="danger", className="py-2 small")
        return dbc.Alert("Cancel requested.", color="info", className="py-2 small", duration=4000)

    @secured_callback(
        app,
        Role.VIEWER,
        *PANEL_OUTPUTS,
        Input(ids.POLL, "n_intervals"),
        Input(ids.CURRENT, "data"),
        State(ids.LAUNCH, "data"),
        State("theme-mode", "data"),
        State(ids.RENDERED, "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _poll(
        _n: int | None, current: Any, launched: Any, theme: Any, shown: Any
    ) -> tuple[Any, ...]:
        """Read the run row (sweeping it if its worker died) and redraw the panel."""
        if not current:
            raise PreventUpdate
        try:
            run = runs.get_run(run_id_from(current))
        except runs.RunNotFound:
            raise PreventUpdate from None
        return panel_outputs(run, launched, theme, shown or {})

    # Run management, and the runs grid with its search and filters.
    register_manage_callbacks(app)

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.CURRENT, "data", allow_duplicate=True),
        Input(ids.GRID, "cellClicked"),
        prevent_initial_call=True,
    )
    def _open(cell: dict[str, Any] | None) -> Any:
        """Open the clicked run in the panel."""
        row_id = (cell or {}).get("rowId")
        if row_id is None:
            raise PreventUpdate
        return run_id_from(row_id)

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.COMPARE_GRAPH, "figure"),
        Output(ids.COMPARE_TABLE, "rowData"),
        Output(ids.COMPARE_TABLE, "columnDefs"),
        Output(ids.COMPARE_BODY, "hidden"),
        Output(ids.COMPARE_METRICS, "options"),
        Output(ids.COMPARE_METRICS, "value"),
        Output(ids.COMPARE_HINT, "hidden"),
        Input(ids.GRID, "selectedRows"),
        # An input, not a state: the chart follows the colour mode when it is switched.
        Input("theme-mode", "data"),
        Input(ids.COMPARE_METRICS, "value"),
        Input(ids.COMPARE_DIFF_ONLY, "value"),
        State(ids.COMPARE_METRICS, "options"),
    )
    def _compare(
        selected: list[dict[str, Any]] | None,
        theme: Any,
        ticked: Any,
        differ_only: Any,
        offered: Any,
    ) -> tuple[Any, ...]:
        """Curves of the ticked metrics overlaid and configs side by side for the ticked runs."""
        rows = selected if isinstance(selected, list) else []
        picked = [run_id_from(row.get("id") if isinstance(row, dict) else None) for row in rows[:8]]
        chosen = [r for r in (db.session.get(TrainingRun, i) for i in picked) if r is not None]
        template = "plotly_dark" if theme == "dark" else "plotly_white"
        if not chosen:
            # Nothing ticked: the chart and table stay hidden under the hint.
            return {"data": [], "layout": {}}, [], [{"field": "setting"}], True, [], [], False
        available = run_views.logged_metric_names(chosen)
        metrics = run_views.chosen_metrics(available, _names(ticked), _offered_names(offered))
        figure = figures.curves_figure(chosen, template, metrics)
        figure.update_layout(paper_bgcolor="rgba(0,0,0,0)")
        columns = [
            {"field": "setting", "headerName": "Setting", "pinned": "left",
             "tooltipField": "key", "width": 150, **WRAP},
        ] + [{"field": f"#{r.id}", "flex": 1, "minWidth": 95, **WRAP} for r in chosen]  # fmt: skip
        options = [{"label": name, "value": name} for name in available]
        table = run_views.comparison_rows(chosen)
        if differ_only is True:
            table = [row for row in table if row["differs"]]
        # The "tick runs" hint goes once runs are ticked.
        return figure, table, columns, False, options, metrics, True


# Long labels and values wrap between words instead of ending in "…" (a phone has room for
# about 15 characters a column); a word is never split.
WRAP = {"wrapText": True, "autoHeight": True, "cellStyle": {"lineHeight": "1.4",
        "paddingTop": "6px", "paddingBottom": "6px", "wordBreak": "normal"}}  # fmt: skip


def _names(value: Any) -> list[str]:
    """The ticked metric names the browser sent (anything else is ignored)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _offered_names(value: Any) -> list[str]:
    """The metric names the chooser offered (from its options, as the browser sent them)."""
    options = value if isinstance(value, list) else []
    return _names([o.get("value") for o in options if isinstance(o, dict)])
