"""Training runs through the real stack: Dash background callback -> Celery worker -> PostgreSQL."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from dashapp.training import runs
from dashapp.web.identity import Role, User
from tests.integration.training.support import (
    launch,
    launched_run_id,
    poll_job,
    run_row,
    start_job,
    wait_for,
)
from tests.support.worker import WorkerProcess

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]

TINY = {"recipe": "digits", "epochs": 2, "max_samples": 300, "batch_size": 32, "device": "auto"}
LONG = {"recipe": "synthetic", "epochs": 50, "samples": 4096, "image_size": 32, "batch_size": 32}


def test_tiny_run_end_to_end(celery_app: Flask, celery_worker: WorkerProcess) -> None:
    client = celery_app.test_client()
    clicked = time.monotonic()
    run_id = launched_run_id(launch(client, TINY))
    assert run_row(celery_app, run_id).status == "queued"  # the row exists before the job
    handles = start_job(client, run_id)
    wait_for(celery_app, run_id, {"running", "succeeded"}, timeout=60)
    first_update = time.monotonic() - clicked
    run = wait_for(celery_app, run_id, {"succeeded"}, timeout=120)
    assert first_update < 30
    assert run.started_at and run.finished_at and run.heartbeat_at
    assert run.worker_host and "pid" in run.worker_host and run.device_name
    assert [p.value for p in run.points if p.name == "epoch"] == [1, 2] and run.percent == 100.0
    assert run.environment and run.environment["torch"].startswith("2.") and run.code_version
    names = {a.name for a in run.artifacts}
    assert names == {"curves.png", "confusion.png", "samples.png", "misclassified.png", "model.pt"}
    image = client.get(f"/artifacts/runs/{run_id}/confusion.png")
    assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "max-age" in image.headers["Cache-Control"] and image.headers["ETag"]
    again = client.get(
        f"/artifacts/runs/{run_id}/confusion.png", headers={"If-None-Match": image.headers["ETag"]}
    )
    assert again.status_code == 304
    download = client.get(f"/artifacts/runs/{run_id}/model.pt?download=1")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    # The browser's poll of the background job ends with the job's result.
    deadline = time.monotonic() + 10
    while True:
        body = poll_job(client, handles).get_json()
        if "response" in body or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert body["response"]["train-job-result"]["children"] == "succeeded"


def test_cancel_mid_run_keeps_artifacts(celery_app: Flask, celery_worker: WorkerProcess) -> None:
    client = celery_app.test_client()
    run_id = launched_run_id(launch(client, LONG))
    start_job(client, run_id)
    deadline = time.monotonic() + 60
    while run_row(celery_app, run_id).percent <= 0:
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.2)
    with celery_app.test_request_context():
        runs.request_cancel(User("dev", Role.ADMIN), run_id)
    asked = time.monotonic()
    run = wait_for(celery_app, run_id, {"cancelled"}, timeout=30)
    assert time.monotonic() - asked < 10
    assert run.percent < 100 and run.error is None
    assert {"curves.png", "model.pt"} <= {a.name for a in run.artifacts}
    assert "cancel requested by dev; stopping" in run.log


# A killed worker's run becoming lost (by the periodic sweep): test_run_sweeper.py.
