"""Launching sweeps: all or nothing, one launch against the rate limit, runs queued on Redis.

No worker serves the queue here: each test gets a queue of its own and reads what reached it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from dashapp import create_app
from dashapp.auth import Role, User
from dashapp.extensions import db
from dashapp.models.sweeps import Sweep
from dashapp.models.training import TrainingRun
from dashapp.services import runs, sweeps
from dashapp.services.sweep_spec import Axis, SweepSpec, SweepSpecError
from tests.conftest import SettingsFactory

pytestmark = [pytest.mark.redis]

ALICE = User("alice", Role.TRAINER)
SMALL = {"epochs": "1", "max_samples": "100"}


@pytest.fixture
def queued(
    settings_factory: SettingsFactory, redis_url: str
) -> Iterator[tuple[Flask, redis.Redis, str]]:
    """An app in Celery mode on a queue nobody serves, and a client to look into the queue."""
    queue = f"gpu-sweep-{uuid.uuid4().hex[:8]}"
    server = create_app(
        settings_factory(redis_url=redis_url, training_queue=queue, training_launches_per_minute=2)
    )
    client = redis.Redis.from_url(redis_url)
    yield server, client, queue
    client.delete(queue)
    client.close()
    with server.app_context():
        db.session.remove()
        db.engine.dispose()


def _grid(**fixed: str) -> SweepSpec:
    axes = (Axis("lr", values=("0.01", "0.1")), Axis("batch_size", values=("32", "64")))
    return SweepSpec(recipe="digits", axes=axes, fixed={**SMALL, **fixed}, metric="val_accuracy")


def test_sweep_inserts_its_runs_and_queues_each_on_the_training_queue(
    queued: tuple[Flask, redis.Redis, str],
) -> None:
    server, client, queue = queued
    with server.test_request_context():
        sweep = sweeps.launch(ALICE, _grid())
        members = sweeps.sweep_runs(sweep.id)
        assert [(r.config["lr"], r.config["batch_size"]) for r in members] == [
            (0.01, 32),
            (0.01, 64),
            (0.1, 32),
            (0.1, 64),
        ]
        assert {r.status for r in members} == {"queued"}
        assert all(r.owner == "alice" and r.config["epochs"] == 1 for r in members)
        assert sweep.spec["axes"][0] == {"name": "lr", "values": ["0.01", "0.1"]}
        assert client.llen(queue) == 4  # one message per run, on the training queue


def test_a_refused_run_refuses_the_whole_sweep(
    queued: tuple[Flask, redis.Redis, str],
) -> None:
    server, client, queue = queued
    spec = SweepSpec(
        recipe="synthetic",
        axes=(Axis("samples", values=("1000", "2000000")), Axis("image_size", values=("128",))),
        fixed={"epochs": "1"},
    )
    with server.test_request_context():
        with pytest.raises(runs.OverMemoryBudget, match="Run 2 of the sweep: .* over the budget"):
            sweeps.launch(ALICE, spec)
        with pytest.raises(SweepSpecError) as bad:
            sweeps.launch(ALICE, _grid(epochs="abc"))
        assert "whole number" in bad.value.errors["epochs"]
        assert db.session.query(TrainingRun).count() == 0
        assert db.session.query(Sweep).count() == 0
    assert client.llen(queue) == 0


def test_a_sweep_counts_once_against_the_launch_rate(
    queued: tuple[Flask, redis.Redis, str],
) -> None:
    server, _client, _queue = queued
    with server.test_request_context():
        sweeps.launch(ALICE, _grid())  # 4 runs, one launch
        runs.create_run(ALICE, "digits", SMALL)  # the second launch of the minute
        with pytest.raises(runs.RunRateLimited):
            runs.create_run(ALICE, "digits", SMALL)
        with pytest.raises(runs.RunRateLimited):
            sweeps.launch(ALICE, _grid())
        assert db.session.query(TrainingRun).count() == 5


def test_viewers_cannot_launch_or_cancel_and_owners_cancel_every_run(
    queued: tuple[Flask, redis.Redis, str],
) -> None:
    server, _client, _queue = queued
    with server.test_request_context():
        with pytest.raises(runs.RunForbidden):
            sweeps.launch(User("vera", Role.VIEWER), _grid())
        sweep = sweeps.launch(ALICE, _grid())
        with pytest.raises(runs.RunForbidden):
            sweeps.cancel(User("bob", Role.TRAINER), sweep.id)
        assert sweeps.cancel(ALICE, sweep.id) == 4
        db.session.expire_all()
        assert {r.status for r in sweeps.sweep_runs(sweep.id)} == {"cancelled"}
        with pytest.raises(sweeps.SweepNotFound):
            sweeps.get_sweep(sweep.id + 1000)
