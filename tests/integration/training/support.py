"""Drive the training page's callbacks over HTTP, as the browser does, and wait on run rows."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from dashapp.extensions import db
from dashapp.models.training import TrainingRun
from dashapp.pages.training_widgets import FORM_FIELDS, field_id

FINAL = {"succeeded", "failed", "cancelled", "lost"}


def launch(client: FlaskClient, form: dict[str, Any], **kwargs: Any) -> Any:
    """POST the Start button's callback; returns the Flask response."""
    body = {
        "output": "..train-launch.data...train-current.data...train-form-error.children..",
        "outputs": [
            {"id": "train-launch", "property": "data"},
            {"id": "train-current", "property": "data"},
            {"id": "train-form-error", "property": "children"},
        ],
        "inputs": [
            {"id": "train-start", "property": "n_clicks", "value": 1},
            {"id": "train-rerun", "property": "n_clicks", "value": None},
        ],
        "changedPropIds": ["train-start.n_clicks"],
        "state": [
            {"id": "train-current", "property": "data", "value": None},
            *({"id": field_id(n), "property": "value", "value": form.get(n)} for n in FORM_FIELDS),
        ],
    }
    return client.post("/_dash-update-component", json=body, **kwargs)


def launched_run_id(response: Any) -> int:
    """The run id the Start callback returned."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["response"]["train-launch"]["data"]["run_id"])


def start_job(client: FlaskClient, run_id: int | None, **kwargs: Any) -> dict[str, Any]:
    """POST the background job callback; returns Dash's {cacheKey, job} handles."""
    body = {
        "output": "train-job-result.children",
        "outputs": {"id": "train-job-result", "property": "children"},
        "inputs": [{"id": "train-launch", "property": "data", "value": {"run_id": run_id}}],
        "changedPropIds": ["train-launch.data"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body, **kwargs)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    payload: dict[str, Any] = response.get_json() or {}
    return payload


def poll_job(client: FlaskClient, handles: dict[str, Any], **kwargs: Any) -> Any:
    """One poll of the background job, as the renderer does every interval."""
    body = {
        "output": "train-job-result.children",
        "outputs": {"id": "train-job-result", "property": "children"},
        "inputs": [{"id": "train-launch", "property": "data", "value": None}],
        "changedPropIds": [],
        "state": [],
    }
    query = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
    return client.post("/_dash-update-component", json=body, query_string=query, **kwargs)


def run_row(app: Flask, run_id: int) -> TrainingRun:
    """A fresh, detached copy of the run row."""
    with app.app_context():
        run = db.session.get(TrainingRun, run_id)
        assert run is not None
        _ = run.metrics, run.artifacts  # load before leaving the session
        db.session.expunge_all()
        return run


def wait_for(app: Flask, run_id: int, statuses: set[str], timeout: float = 60) -> TrainingRun:
    """Poll the row until its status is one of `statuses`."""
    deadline = time.monotonic() + timeout
    while True:
        run = run_row(app, run_id)
        if run.status in statuses:
            return run
        if run.status in FINAL or time.monotonic() > deadline:
            raise AssertionError(
                f"run {run_id} is {run.status}, wanted {statuses}:\n{run.log}\n{run.error}"
            )
        time.sleep(0.1)
