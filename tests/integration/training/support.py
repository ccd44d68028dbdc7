"""Drive the training page's callbacks over HTTP, as the browser does, and wait on run rows."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from dashapp.extensions import db
from dashapp.jobs.celery_apps import PRIORITY_LEVELS
from dashapp.models.training import FINAL_STATUSES, TrainingRun
from dashapp.pages.training import form as page_form
from dashapp.pages.training import ids
from dashapp.recipes import load_recipes
from tasks.training.builtin_recipes import BUILTINS
from tests.support.dash_requests import callbacks_of
from tests.support.waiting import wait_while_progressing

FINAL = {str(s) for s in FINAL_STATUSES}
# kombu's Redis transport keeps a priority's messages in the list `<queue><SEP><priority>`.
PRIORITY_SEP = "\x06\x16"
JOB = f"{ids.JOB_RESULT}.children"
# Every parameter of a built-in recipe, plus `dataset` (the recipe's name), for fuzzing.
FORM_FIELDS = ("dataset", *sorted({n for r in BUILTINS.values() for n in r.params.model_fields}))


def launch(client: FlaskClient, form: dict[str, Any], **kwargs: Any) -> Any:
    """POST the Start button's callback as the page's generated form does; returns the response.

    `form["recipe"]` (or `form["dataset"]`) names the recipe, digits by default. The form shows
    the recipe's defaults, so parameters not in `form` are sent with their default values.
    """
    name = form.get("recipe", form.get("dataset", "digits"))
    recipe = load_recipes("").get(name) if isinstance(name, str) else None
    fields = recipe.params.model_fields if recipe is not None else {}
    values, checks = [], []
    for field, info in fields.items():
        kind = page_form.field_kind(info)
        value = form[field] if field in form else page_form._default(info)
        component = ids.check_id(field) if kind == "check" else ids.param_id(field)
        entry = {"id": component, "property": "value", "value": value}
        (checks if kind == "check" else values).append(entry)
    state = {
        f"{ids.CURRENT}.data": None,
        f"{ids.RECIPE}.value": name,
        f"{ids.PARAM}.value": values,
        f"{ids.PARAM}.id": [{"id": v["id"], "property": "id", "value": v["id"]} for v in values],
        f"{ids.PARAM_CHECK}.value": checks,
        f"{ids.PARAM_CHECK}.id": [
            {"id": c["id"], "property": "id", "value": c["id"]} for c in checks
        ],
    }
    callbacks = callbacks_of(client.application)
    return callbacks.post(
        client, f"{ids.LAUNCH}.data", {f"{ids.START}.n_clicks": 1}, state, **kwargs
    )


def field_errors(response: Any) -> dict[str, str]:
    """The per-field errors the Start callback answered with."""
    assert response.status_code == 200, response.get_data(as_text=True)
    errors: dict[str, str] = response.get_json()["response"][ids.FIELD_ERRORS]["data"]
    return errors


def launched_run_id(response: Any) -> int:
    """The run id the Start callback returned."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["response"][ids.LAUNCH]["data"]["run_id"])


def start_job(client: FlaskClient, run_id: int | None, **kwargs: Any) -> dict[str, Any]:
    """POST the background job callback; returns Dash's {cacheKey, job} handles."""
    job = {f"{ids.LAUNCH}.data": {"run_id": run_id}}
    response = callbacks_of(client.application).post(client, JOB, job, **kwargs)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    payload: dict[str, Any] = response.get_json() or {}
    return payload


def poll_job(client: FlaskClient, handles: dict[str, Any], **kwargs: Any) -> Any:
    """One poll of the background job, as the renderer does every interval."""
    query = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
    # The renderer's polls change nothing and carry no value for the launch store.
    return callbacks_of(client.application).post(
        client, JOB, changed=[], query_string=query, **kwargs
    )


def queued_jobs(client: Any, queue: str) -> list[int]:
    """Messages waiting on the broker's `queue`, by priority (0, taken first, to 9)."""
    names = [queue] + [f"{queue}{PRIORITY_SEP}{p}" for p in range(1, PRIORITY_LEVELS)]
    return [int(client.llen(name)) for name in names]


def run_row(app: Flask, run_id: int) -> TrainingRun:
    """A fresh, detached copy of the run row."""
    with app.app_context():
        run = db.session.get(TrainingRun, run_id)
        assert run is not None
        _ = run.points, run.artifacts  # load before leaving the session
        db.session.expunge_all()
        return run


def wait_for(app: Flask, run_id: int, statuses: set[str], timeout: float = 60) -> TrainingRun:
    """Wait until the run's status is one of `statuses`.

    As long as the run keeps moving (status or progress change) the wait goes on, up to a
    generous ceiling; `timeout` is how long it may stand still. A final status other than the
    wanted ones fails at once.
    """
    found: list[TrainingRun] = []

    def reached() -> bool:
        run = run_row(app, run_id)
        found[:] = [run]
        if run.status not in statuses and run.status in FINAL:
            raise AssertionError(
                f"run {run_id} is {run.status}, wanted {statuses}:\n{run.log}\n{run.error}"
            )
        return run.status in statuses

    def progress() -> tuple[str, int | None]:
        run = found[0] if found else run_row(app, run_id)
        return str(run.status), run.progress_done

    wait_while_progressing(
        reached, progress, what=f"run {run_id} towards {sorted(statuses)}", stall_s=timeout
    )
    return found[0]
