"""A sweep of 4 runs through the real stack: PostgreSQL, Redis and two Celery workers on `gpu`."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from dashapp.training import sweeps
from dashapp.training.sweep_spec import Axis, SweepSpec
from dashapp.web.identity import Role, User
from tests.conftest import SettingsFactory
from tests.integration.training.support import run_row, wait_for
from tests.support.worker import WorkerProcess, start_worker, worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]


def _pid(worker_host: str | None) -> int:
    found = re.search(r"\(pid (\d+)\)", worker_host or "")
    assert found, worker_host
    return int(found.group(1))


def test_sweep_of_four_runs_completes_across_two_workers(
    pg_settings_factory: SettingsFactory, pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    # A queue of its own: only the two workers below serve it (not the session's worker).
    queue = f"gpu-sweep-{uuid.uuid4().hex[:8]}"
    app = create_app(pg_settings_factory(redis_url=redis_url, training_queue=queue))
    workers: list[WorkerProcess] = []
    try:
        for name in ("a", "b"):
            env = worker_env(pg_url, redis_url, tmp_path / f"instance-{name}")
            workers.append(
                start_worker(
                    env | {"DASHAPP_TRAINING_QUEUE": queue},
                    tmp_path / f"worker-{name}",
                    queues=queue,
                    app="dashapp.worker:training_celery",
                    pool="solo",  # as on GPU hosts: the run executes in the worker process
                    concurrency=1,
                    hostname=f"sweep-{name}-{queue}@%h",
                )
            )
        spec = SweepSpec(
            recipe="digits",
            axes=(Axis("lr", values=("0.003", "0.03")), Axis("batch_size", values=("32", "64"))),
            fixed={"epochs": "2", "max_samples": "400"},
            metric="val_accuracy",
            goal="max",
        )
        with app.test_request_context():
            sweep = sweeps.launch(User("dev", Role.TRAINER), spec)
            run_ids = [r.id for r in sweeps.sweep_runs(sweep.id)]
            db.session.remove()
        assert len(run_ids) == 4
        finished = [wait_for(app, run_id, {"succeeded"}, timeout=90) for run_id in run_ids]
        logs = "\n".join(w.log() for w in workers)
        # Each run names the process that ran it; with the solo pool that is the worker itself.
        ran_on = {_pid(run.worker_host) for run in finished}
        assert ran_on == {w.process.pid for w in workers}, logs
        assert all(run.summary and "val_accuracy" in run.summary for run in finished)
        with app.app_context():
            sweep = sweeps.get_sweep(sweep.id)
            members = sweeps.sweep_runs(sweep.id)
            assert sweeps.status_counts(members) == {
                "done": 4,
                "running": 0,
                "queued": 0,
                "failed": 0,
            }
            best = sweeps.best_run(sweep, members)
            assert best is not None
            top = max(r.summary["val_accuracy"] for r in finished if r.summary)
            assert run_row(app, best.id).summary["val_accuracy"] == top  # type: ignore[index]
            db.session.remove()
    finally:
        for worker in workers:
            worker.kill()
        with app.app_context():
            db.engine.dispose()


def test_a_worker_started_with_the_ui_app_runs_sweep_runs_too(
    celery_app: Flask, celery_worker: WorkerProcess
) -> None:
    # The session's worker serves dash,gpu with `dashapp.worker:ui_celery`: the task that runs a
    # sweep's run by id must be known there too, or the run's message is dropped as unregistered.
    spec = SweepSpec(
        recipe="digits",
        axes=(Axis("lr", values=("0.01", "0.1")),),
        fixed={"epochs": "1", "max_samples": "200"},
    )
    with celery_app.test_request_context():
        sweep = sweeps.launch(User("dev", Role.TRAINER), spec)
        run_ids = [r.id for r in sweeps.sweep_runs(sweep.id)]
        db.session.remove()
    for run_id in run_ids:
        run = wait_for(celery_app, run_id, {"succeeded"}, timeout=90)
        assert _pid(run.worker_host)
    assert "unregistered" not in celery_worker.log().lower()
