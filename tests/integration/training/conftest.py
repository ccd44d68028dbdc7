"""Fixtures for training integration tests: an app with a worker of its own that sees the
recipe package installed only for the tests."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from dashapp.recipes.registry import forget_loaded
from dashapp.settings import PROJECT_ROOT
from tests.conftest import SettingsFactory
from tests.support.recipe_site import install_recipe_package
from tests.support.worker import WorkerProcess, start_worker, worker_env

PluginApp = Callable[..., contextlib.AbstractContextManager[tuple[Flask, WorkerProcess]]]


@pytest.fixture
def plugin_app_with(
    pg_settings_factory: SettingsFactory,
    pg_url: str,
    redis_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> PluginApp:
    """Starts (app, worker) on a training queue of their own; both see the test recipes.

    `pool` picks the worker's pool; other keywords become app and worker settings.
    """
    site = install_recipe_package(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))

    @contextlib.contextmanager
    def make(
        pool: str = "solo", dev_user: str = "plugin-dev", **settings: Any
    ) -> Iterator[tuple[Flask, WorkerProcess]]:
        forget_loaded()
        queue = f"gpu-plugins-{uuid.uuid4().hex[:8]}"
        # A user of its own: launches count towards a per-user rate limit on the shared database.
        app = create_app(
            pg_settings_factory(
                redis_url=redis_url, training_queue=queue, dev_user=dev_user, **settings
            )
        )
        env = worker_env(pg_url, redis_url, tmp_path / "instance") | {
            "DASHAPP_TRAINING_QUEUE": queue,
            "PYTHONPATH": f"{PROJECT_ROOT}:{site}",
        }
        env |= {f"DASHAPP_{name.upper()}": str(value) for name, value in settings.items()}
        worker = start_worker(
            env,
            tmp_path / f"w-{queue}",
            queues=queue,
            app="dashapp.worker:training_celery",
            pool=pool,
            concurrency=1,
            hostname=f"plugins-{queue}@%h",
        )
        try:
            yield app, worker
        finally:
            worker.stop()
            forget_loaded()
            with app.app_context():
                db.engine.dispose()

    return make
