"""Runs are bounded in time and work, and the training queue is shared fairly between users:
a real Celery worker (solo pool, as on GPU hosts) on PostgreSQL and Redis."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dashapp import create_app
from dashapp.extensions import db
from dashapp.jobs.celery_apps import celery_apps_for
from dashapp.models.training import TrainingRun, utcnow
from dashapp.pages.training import ids
from dashapp.training import queue_state, run_sweeper, runs
from dashapp.training.run_queue import enqueue_runs
from dashapp.web.identity import Role, User
from tests.conftest import SettingsFactory
from tests.integration.training.conftest import PluginApp
from tests.integration.training.support import (
    field_errors,
    launch,
    launched_run_id,
    run_row,
    start_job,
    wait_for,
)
from tests.support.dash_requests import callbacks_of
from tests.support.domain import list_runs

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]


def panel_text(client: FlaskClient, run_id: int) -> str:
    """What the run page's panel shows for `run_id` (its poll callback, as the browser asks)."""
    callbacks = callbacks_of(client.application)
    trigger = f"{ids.POLL}.n_intervals"
    [key] = [
        key
        for key, spec in callbacks.app.callback_map.items()
        if trigger in {f"{i['id']}.{i['property']}" for i in spec.get("inputs", [])}
    ]
    response = callbacks.post(
        client, key, {trigger: 1, f"{ids.CURRENT}.data": run_id}, {}, changed=[trigger]
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_a_launch_over_the_step_budget_is_refused_under_its_epochs(
    pg_settings_factory: SettingsFactory, redis_url: str
) -> None:
    """The probe's run: 2,000,000 images, batch 1, 200 epochs, inside the memory budget."""
    user = "budget-launch"
    server = create_app(pg_settings_factory(redis_url=redis_url, dev_user=user, dev_role="trainer"))
    client = server.test_client()
    form = {"recipe": "synthetic", "samples": 2_000_000, "image_size": 8, "batch_size": 1}
    errors = field_errors(launch(client, form | {"epochs": 200}))
    assert list(errors) == ["epochs"], errors
    assert "320,000,000 optimizer steps" in errors["epochs"]
    assert "over the budget of 1,000,000" in errors["epochs"]
    with server.app_context():
        assert list_runs(User(user, Role.TRAINER)) == []  # nothing inserted, nothing queued
        db.engine.dispose()
    # The same images in batches of 512 for 2 epochs are 6,250 steps: accepted.
    accepted = launched_run_id(launch(client, form | {"batch_size": 512, "epochs": 2}))
    with server.test_request_context():
        runs.request_cancel(User(user, Role.TRAINER), accepted)  # no job was sent for it
        db.engine.dispose()


def test_a_run_past_its_time_or_step_budget_ends_failed_with_the_reason(
    plugin_app_with: PluginApp, tmp_path: Path
) -> None:
    """The worker stops a run at its wall-clock limit (here a data load that never looks at
    the cancel flag) and at its step budget; a run inside both succeeds on the same worker."""
    limits = {"training_max_run_s": 4, "training_max_steps": 25}
    with plugin_app_with(dev_user="limits", **limits) as (app, worker):
        # Celery's backstop on the gpu app: limit + interrupt (3 s) + wrap-up (60 s) + 60 s.
        assert celery_apps_for(app).training.conf.task_time_limit  # type: ignore[union-attr] == 4 + 3 + 60 + 60
        client = app.test_client()
        form = {"recipe": "slow-load", "load_s": 120, "marker": str(tmp_path / "slow")}
        slow = launched_run_id(launch(client, form))
        start_job(client, slow)
        run = wait_for(app, slow, {"failed"}, timeout=60)
        assert run.started_at is not None and run.finished_at is not None
        took = (run.finished_at - run.started_at).total_seconds()
        print(f"time limit 4 s: the 120 s load ended failed after {took:.1f} s")
        # 4 s, then the watcher's interrupt after 3 s (the recipe never asked), then the writes.
        assert 4 <= took < 15, (took, worker.log())
        assert run.error == (
            "The worker stopped it: it passed the time limit of 4 s (DASHAPP_TRAINING_MAX_RUN_S)."
        )
        assert "interrupted" in run.log
        assert "passed the time limit of 4 s" in panel_text(client, slow)

        long = launched_run_id(launch(client, {"recipe": "tiny-linear", "steps": 5000}))
        start_job(client, long)
        run = wait_for(app, long, {"failed"}, timeout=60)
        print(f"step budget 25: the 5,000-step run stopped at step {run.progress_done}")
        assert run.progress_done == 25
        assert run.error == (
            "The worker stopped it: it reached the step budget of 25 optimizer steps with "
            "5,000 planned (DASHAPP_TRAINING_MAX_STEPS)."
        )
        assert "reached the step budget of 25" in panel_text(client, long)

        small = launched_run_id(launch(client, {"recipe": "tiny-linear", "steps": 25}))
        start_job(client, small)
        assert wait_for(app, small, {"succeeded"}, timeout=60).error is None


def _started(app: Flask, run_ids: list[int]) -> dict[int, dt.datetime | None]:
    with app.app_context():
        rows = db.session.query(TrainingRun).filter(TrainingRun.id.in_(run_ids)).all()
        found = {r.id: r.started_at for r in rows}
        db.session.remove()
    return found


def _wait_running(app: Flask, run_id: int, timeout: float, log: Any) -> None:
    deadline = time.monotonic() + timeout
    while run_row(app, run_id).status != "running":
        assert time.monotonic() < deadline, f"run {run_id} never started\n{log()}"
        time.sleep(0.1)


def test_one_users_queued_runs_do_not_starve_another_users_run(
    plugin_app_with: PluginApp, tmp_path: Path
) -> None:
    """One trainer queues 6 runs of ~3 s from the page; another's run, queued while the first
    of them runs, starts next: it waits for the run already on the worker, not for all 6."""
    heavy, light = "fair-heavy", "fair-light"
    with plugin_app_with(dev_user=heavy, training_launches_per_minute=50) as (app, worker):
        client = app.test_client()
        form = {"recipe": "slow-load", "load_s": 3, "marker": str(tmp_path / "loading")}
        queued = [launched_run_id(launch(client, form)) for _ in range(6)]
        for run_id in queued:
            start_job(client, run_id)
        _wait_running(app, queued[0], 60, worker.log)
        with app.test_request_context():
            params = {k: v for k, v in form.items() if k != "recipe"}
            other = runs.create_run(User(light, Role.TRAINER), "slow-load", params).id
            # The page says where it stands: ahead of the heavy user's waiting runs.
            positions = {
                r: queue_state.queue_position(runs.get_run(r)) for r in [other, *queued[1:]]
            }
            assert positions[other] < min(positions[r] for r in queued[1:]), positions
            enqueue_runs([other])
            db.session.remove()
        sent = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        done = wait_for(app, other, {"succeeded"}, timeout=60)
        assert done.started_at is not None
        waited = (done.started_at - sent).total_seconds()
        first = run_row(app, queued[0])
        assert first.started_at is not None and first.finished_at is not None
        one_run = (first.finished_at - first.started_at).total_seconds()
        started = _started(app, queued)
        jumped = [r for r in queued[1:] if started[r] is not None and started[r] < done.started_at]
        print(
            f"fair queue: the other user's run waited {waited:.1f} s (one run takes "
            f"{one_run:.1f} s); heavy runs started before it: {len(jumped)} of 5 waiting"
        )
        # First come, first served, it would wait for all 5 waiting runs (about 5 x 3.5 s).
        assert jumped == [], (started, done.started_at)
        assert waited < one_run + 2.0, (waited, one_run)
        with app.test_request_context():
            for run_id in queued:
                runs.request_cancel(User(heavy, Role.TRAINER), run_id)
            db.session.remove()


def test_a_run_killed_past_its_time_limit_is_swept_failed_with_the_reason(
    pg_settings_factory: SettingsFactory,
) -> None:
    """Celery's hard limit kills a job the worker could not stop (one long C call): its row,
    with no heartbeat, is marked failed for its time limit, not lost for a dead worker."""
    app = create_app(pg_settings_factory(training_max_run_s=3600))
    user = User("limits-swept", Role.TRAINER)
    try:
        with app.test_request_context():
            overran, died = (runs.create_run(user, "digits", {"epochs": 1}).id for _ in range(2))
            for run_id, started_min in ((overran, 70), (died, 5)):
                run = runs.get_run(run_id)
                run.status, run.started_at = "running", utcnow() - dt.timedelta(minutes=started_min)
                run.heartbeat_at = utcnow() - dt.timedelta(minutes=1)
            db.session.commit()
            run_sweeper.sweep()
            db.session.remove()
        assert (run_row(app, overran).status, run_row(app, died).status) == ("failed", "lost")
        assert run_row(app, overran).error == (
            "The worker stopped it: it passed the time limit of 3600 s "
            "(DASHAPP_TRAINING_MAX_RUN_S) and did not stop, so its job was killed."
        )
    finally:
        with app.app_context():
            db.engine.dispose()
