"""The embedded default (SQLite + diskcache jobs): end to end, validation, roles, sweeping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from dashapp.models.training import TrainingRun, utcnow
from dashapp.pages.training import ids
from dashapp.training import run_sweeper, runs
from dashapp.web.identity import Role, User
from tests.conftest import SettingsFactory
from tests.integration.training.support import (
    field_errors,
    launch,
    launched_run_id,
    start_job,
    wait_for,
)
from tests.support.dash_requests import callbacks_of

TINY = {"epochs": 1, "max_samples": 200, "batch_size": 32, "device": "cpu"}


@pytest.fixture
def embedded(settings_factory: SettingsFactory) -> Iterator[Flask]:
    server = create_app(settings_factory(training_progress_every_s=0.05))
    yield server
    with server.app_context():
        db.engine.dispose()


def test_tiny_run_end_to_end_on_the_embedded_default(embedded: Flask) -> None:
    client = embedded.test_client()
    run_id = launched_run_id(launch(client, TINY))
    start_job(client, run_id)
    run = wait_for(embedded, run_id, {"succeeded"}, timeout=90)
    assert [p.value for p in run.points if p.name == "epoch"] == [1.0]
    assert run.metric("val_accuracy") is not None
    response = client.get(f"/artifacts/runs/{run_id}/curves.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert client.get(f"/artifacts/runs/{run_id}/nope.png").status_code == 404


def test_validation_errors_are_shown_and_nothing_is_queued(embedded: Flask) -> None:
    client = embedded.test_client()
    response = launch(client, {"epochs": 0, "lr": "fast", "optimizer": "magic", "seed": None})
    errors = field_errors(response)
    assert set(errors) == {"epochs", "lr", "optimizer", "seed"}
    assert errors["epochs"] == "Must be at least 1"
    assert errors["lr"] == "Enter a number (got 'fast')"
    assert "'adam', 'adamw' or 'sgd'" in errors["optimizer"]
    # An emptied (or non-numeric) number field is an error, never the default.
    assert errors["seed"] == "Enter a number"
    with embedded.app_context():
        assert db.session.query(TrainingRun).count() == 0


def test_a_run_over_the_memory_budget_is_refused_saying_by_how_much(
    settings_factory: SettingsFactory,
) -> None:
    server = create_app(settings_factory(training_memory_budget_mb=1024))
    client = server.test_client()
    form = {"recipe": "synthetic", "samples": 200_000, "image_size": 64, "device": "cpu"}
    response = launch(client, form)
    assert response.status_code == 200, response.get_data(as_text=True)
    alert = str(response.get_json()["response"][ids.FORM_ERROR]["children"])
    # 400 MiB + 4 x 200,000 x 3 x 64 x 64 x 4 bytes = 37,900 MiB: 36,876 MiB over 1,024 MiB.
    assert "needs about 37,900 MiB" in alert and "36,876 MiB over the budget of 1,024 MiB" in alert
    with server.app_context():
        assert db.session.query(TrainingRun).count() == 0
    # Within the budget, the same recipe launches.
    assert launched_run_id(launch(client, {**form, "samples": 1000, "image_size": 16}))
    with server.app_context():
        db.engine.dispose()


def test_viewer_cannot_start_or_cancel_but_can_see(settings_factory: SettingsFactory) -> None:
    app = create_app(settings_factory(dev_role="viewer"))
    client = app.test_client()
    assert launch(client, TINY).status_code == 403
    with app.test_request_context():
        run = runs.create_run(User("alice", Role.TRAINER), "digits", TINY)
        with pytest.raises(runs.RunForbidden):
            runs.create_run(User("bob", Role.VIEWER), "digits", TINY)
        with pytest.raises(runs.RunForbidden):
            runs.request_cancel(User("bob", Role.VIEWER), run.id)
        with pytest.raises(runs.RunForbidden, match="owner or an admin"):
            runs.request_cancel(User("carol", Role.TRAINER), run.id)
        cancelled = runs.request_cancel(User("root", Role.ADMIN), run.id)
        assert cancelled.status == "cancelled"  # queued runs cancel at once
    cancel = callbacks_of(app).body(
        f"{ids.ACTION_MSG}.children",
        {f"{ids.CANCEL}.n_clicks": 1},
        {f"{ids.CURRENT}.data": run.id},
    )
    assert client.post("/_dash-update-component", json=cancel).status_code == 403
    with app.app_context():
        db.engine.dispose()


def test_production_artifacts_need_identity(settings_factory: SettingsFactory) -> None:
    app = create_app(settings_factory(env="production", trainer_groups=["ml"]))
    client = app.test_client()
    local = {"REMOTE_ADDR": "127.0.0.1"}
    assert client.get("/artifacts/runs/1/curves.png", environ_base=local).status_code == 401
    headers = {"X-Forwarded-User": "viewer1"}
    response = client.get("/artifacts/runs/1/curves.png", headers=headers, environ_base=local)
    assert response.status_code == 404  # identified (default role viewer), no such artifact


def test_sweeper_marks_silent_runs_lost_or_cancelled(embedded: Flask) -> None:
    with embedded.test_request_context():
        user = User("dev", Role.ADMIN)
        silent, asked = runs.create_run(user, "digits", TINY), runs.create_run(user, "digits", TINY)
        old = utcnow() - dt.timedelta(minutes=5)
        for run in (silent, asked):
            run.status, run.started_at, run.heartbeat_at = "running", old, old
        asked.cancel_requested = True
        db.session.commit()
        assert runs.get_run(silent.id).status == "running"  # reads do not sweep
        assert run_sweeper.sweep() == run_sweeper.SweepResult(lost=1, cancelled=1)
        assert runs.get_run(silent.id).status == "lost"
        assert runs.get_run(asked.id).status == "cancelled"
        assert runs.latest_active_run(user) is None
        assert runs.rerun(user, silent.id).status == "queued"
