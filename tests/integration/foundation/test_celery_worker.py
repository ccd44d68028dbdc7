"""The real Celery worker process: starts from the app module and serves both queues."""

from __future__ import annotations

from flask import Flask

from dashapp.jobs.celery_apps import celery_apps_for
from tests.support.worker import WorkerProcess


def test_worker_answers_on_redis_and_registers_background_callbacks(
    celery_app: Flask, celery_worker: WorkerProcess
) -> None:
    apps = celery_apps_for(celery_app)
    assert apps is not None
    replies = apps.ui.control.ping(timeout=5)
    assert any(name.startswith("test-worker-") for reply in replies for name in reply)
    assert apps.ui.conf.task_default_queue == "dash"
    assert apps.training.conf.task_default_queue == "gpu"
    active = apps.ui.control.inspect(timeout=5).active_queues() or {}
    queues = {queue["name"] for worker_queues in active.values() for queue in worker_queues}
    assert {"dash", "gpu"} <= queues


def test_worker_shares_no_working_directory_with_the_app(
    celery_app: Flask, celery_worker: WorkerProcess
) -> None:
    assert celery_worker.log_path.parent != celery_app.instance_path


def test_worker_starts_without_warnings_that_worry_operators(
    celery_app: Flask, celery_worker: WorkerProcess
) -> None:
    # Dash defines each background callback's task on both Celery apps; shared tasks used to
    # put two callables under one name in each (a DuplicateTaskNameWarning at every start).
    log = celery_worker.log()
    assert " ready." in log
    assert "DuplicateTaskNameWarning" not in log
    assert "already registered to a different callable" not in log
