"""Honest queue state: which workers serve the training queue, a queued run's position."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade

from dashapp import create_app
from dashapp.extensions import db
from dashapp.pages.training import render
from dashapp.training import queue_state, runs
from dashapp.web.identity import Role, User
from tests.conftest import SettingsFactory
from tests.support.services import throwaway_postgres_database, with_driver
from tests.support.worker import WorkerProcess

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]


@pytest.fixture
def unserved(pg_settings_factory: SettingsFactory, redis_url: str) -> Iterator[Flask]:
    """An app whose training queue no worker consumes."""
    queue = f"gpu-nobody-{uuid.uuid4().hex[:8]}"
    # A database of its own: queue positions count every queued run, and the session database
    # holds other tests' runs that were queued and never started.
    with throwaway_postgres_database("dashapp_queue") as url:
        settings = pg_settings_factory(
            redis_url=redis_url, training_queue=queue, database_url=with_driver(url)
        )
        app = create_app(settings)
        with app.app_context():
            upgrade(revision="heads")
        yield app
        with app.app_context():
            db.engine.dispose()


def test_the_session_worker_is_seen_serving_gpu(
    celery_app: Flask, celery_worker: WorkerProcess
) -> None:
    with celery_app.app_context():
        assert queue_state.workers_serving_training()  # the fixture's worker serves `gpu`


def test_a_queued_run_with_no_worker_says_so_with_its_position(unserved: Flask) -> None:
    with unserved.test_request_context():
        user = User("queue-dev", Role.ADMIN)  # own user: launches are rate limited per user
        first = runs.create_run(user, "digits", {"epochs": 1})
        second = runs.create_run(user, "digits", {"epochs": 1})
        assert queue_state.workers_serving_training() == []
        assert (queue_state.queue_position(first), queue_state.queue_position(second)) == (1, 2)
        runs.request_cancel(user, first.id)
        assert queue_state.queue_position(second) == 1
        text = str(render.eta_text(second, [], 1))
        assert "queued, position 1" in text and "No training worker is serving" in text
        assert render.eta_text(second, ["w1@host"], 1) == "queued, position 1"
        assert render.eta_text(second, None, 3) == "queued, position 3"  # embedded mode
