"""Training jobs: refused in the web tier unless the run is the caller's and queued; the launch
rate limit holds under concurrent launches on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from dashapp.models.training import TrainingRun
from dashapp.pages.training import ids
from tests.conftest import SettingsFactory
from tests.integration.training.support import launch, launched_run_id, queued_jobs
from tests.support.dash_requests import callbacks_of

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PROXY = {"REMOTE_ADDR": "127.0.0.1"}
TINA = {"X-Forwarded-User": "tina", "X-Forwarded-Groups": "ml"}
TOM = {"X-Forwarded-User": "tom", "X-Forwarded-Groups": "ml"}
TINY = {"dataset": "digits", "epochs": 1, "max_samples": 200, "batch_size": 32, "device": "cpu"}


@pytest.fixture
def queue_name() -> str:
    # A queue no worker serves: whatever the web tier queues stays there to be counted.
    return f"gpu-guard-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def guarded_app(
    pg_settings_factory: SettingsFactory, redis_url: str, queue_name: str
) -> Iterator[Flask]:
    server = create_app(
        pg_settings_factory(
            env="production", redis_url=redis_url, trainer_groups=["ml"], training_queue=queue_name
        )
    )
    yield server
    with server.app_context():
        db.session.remove()


def job_request(client: Any, run_id: Any, headers: dict[str, str]) -> Any:
    job = {f"{ids.LAUNCH}.data": {"run_id": run_id}}
    return callbacks_of(client.application).post(
        client, f"{ids.JOB_RESULT}.children", job, headers=headers, environ_base=PROXY
    )


def queued_messages(redis_url: str, queue: str) -> int:
    """Messages waiting on `queue`, at every fair-order priority."""
    client = redis.Redis.from_url(redis_url)
    try:
        return sum(queued_jobs(client, queue))
    finally:
        client.close()


def test_job_callback_refuses_missing_foreign_and_finished_runs(
    guarded_app: Flask, redis_url: str, queue_name: str
) -> None:
    client = guarded_app.test_client()
    mine = launched_run_id(launch(client, TINY, headers=TINA, environ_base=PROXY))
    theirs = launched_run_id(launch(client, TINY, headers=TOM, environ_base=PROXY))
    done = launched_run_id(launch(client, TINY, headers=TINA, environ_base=PROXY))
    with guarded_app.app_context():
        row = db.session.get(TrainingRun, done)
        assert row is not None
        row.status = "succeeded"
        db.session.commit()

    cases = [
        (999_999_999, 404, "does not exist"),
        (theirs, 403, "not yours"),
        (done, 409, "not queued"),
        ("abc", 400, "needs a run id"),
        (-5, 400, "needs a run id"),
        (2**70, 400, "needs a run id"),
    ]
    for run_id, status, message in cases:
        response = job_request(client, run_id, TINA)
        assert response.status_code == status, (run_id, response.get_data(as_text=True))
        assert message in response.get_json()["error"]
    # Nothing reached the broker for any refused request.
    assert queued_messages(redis_url, queue_name) == 0

    accepted = job_request(client, mine, TINA)
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    assert set(accepted.get_json()) >= {"cacheKey", "job"}
    assert queued_messages(redis_url, queue_name) == 1


def launch_16_at_once(app: Flask, refused_says: str, refused_as: str) -> tuple[list[str], int]:
    """16 launches by one new trainer released together through the Start callback.

    Returns each outcome ("launched", `refused_as` when the answer says `refused_says`, else
    "other …") and how many runs the user has stored afterwards."""
    user = f"conc-{uuid.uuid4().hex[:8]}"
    headers = {"X-Forwarded-User": user, "X-Forwarded-Groups": "ml"}
    barrier = threading.Barrier(16)
    outcomes: list[str] = []
    lock = threading.Lock()

    def one_launch() -> None:
        client = app.test_client()
        barrier.wait()
        response = launch(client, TINY, headers=headers, environ_base=PROXY)
        body = response.get_data(as_text=True)
        with lock:
            if response.status_code == 200 and '"run_id"' in body:
                outcomes.append("launched")
            elif refused_says in body:
                outcomes.append(refused_as)
            else:
                outcomes.append(f"other {response.status_code}: {body[:200]}")

    threads = [threading.Thread(target=one_launch) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with app.app_context():
        stored = db.session.query(TrainingRun).filter_by(owner=user).count()
        db.session.remove()
    return outcomes, stored


def test_launch_rate_limit_holds_for_16_concurrent_launches(
    pg_settings_factory: SettingsFactory,
) -> None:
    app = create_app(
        pg_settings_factory(env="production", trainer_groups=["ml"], training_launches_per_minute=6)
    )
    outcomes, stored = launch_16_at_once(app, "runs in the last minute", "limited")
    assert sorted(outcomes) == ["launched"] * 6 + ["limited"] * 10, outcomes
    assert stored == 6


def test_active_runs_are_capped_per_user_however_fast_the_launches_are_allowed(
    pg_settings_factory: SettingsFactory, redis_url: str, queue_name: str
) -> None:
    """Sweeps count once against the launch rate, so the rate alone let a trainer queue
    6 x 32 runs a minute, without end; the cap counts every queued or running run."""
    from dashapp.training import runs, sweeps
    from dashapp.training.sweep_spec import Axis, SweepSpec
    from dashapp.web.identity import Role, User

    app = create_app(
        pg_settings_factory(
            redis_url=redis_url,
            training_queue=queue_name,
            training_launches_per_minute=1000,
            training_max_active_runs=10,
        )
    )
    user = User(f"cap-{uuid.uuid4().hex[:8]}", Role.TRAINER)
    axes = (Axis("lr", values=("0.01", "0.1")), Axis("batch_size", values=("32", "64")))
    four = SweepSpec(recipe="digits", axes=axes, fixed={"epochs": "1", "max_samples": "100"})
    small = {"epochs": "1", "max_samples": "100"}
    with app.test_request_context():
        first = sweeps.launch(user, four)
        sweeps.launch(user, four)  # 8 queued
        with pytest.raises(runs.TooManyActiveRuns, match="8 runs queued or running.*limit of 10"):
            sweeps.launch(user, four)
        runs.create_run(user, "digits", small)
        runs.create_run(user, "digits", small)  # 10 queued
        with pytest.raises(runs.TooManyActiveRuns, match="limit of 10"):
            runs.create_run(user, "digits", small)
        assert queued_messages(redis_url, queue_name) == 8  # sweeps queue at launch; runs by job
        # Runs that ended stop counting.
        assert sweeps.cancel(user, first.id) == 4
        sweeps.launch(user, four)
        active = db.session.query(TrainingRun).filter(
            TrainingRun.owner == user.username, TrainingRun.status.in_(["queued", "running"])
        )
        assert active.count() == 10
        db.session.remove()


def test_the_active_run_cap_holds_for_16_concurrent_launches(
    pg_settings_factory: SettingsFactory,
) -> None:
    app = create_app(
        pg_settings_factory(
            env="production",
            trainer_groups=["ml"],
            training_launches_per_minute=1000,
            training_max_active_runs=5,
        )
    )
    outcomes, stored = launch_16_at_once(app, "queued or running", "capped")
    assert sorted(outcomes) == ["capped"] * 11 + ["launched"] * 5, outcomes
    assert stored == 5


def test_a_launch_over_the_memory_budget_is_refused_before_it_is_queued(
    guarded_app: Flask, redis_url: str, queue_name: str
) -> None:
    client = guarded_app.test_client()
    user = f"mem-{uuid.uuid4().hex[:8]}"
    headers = {"X-Forwarded-User": user, "X-Forwarded-Groups": "ml"}
    huge = {"recipe": "synthetic", "samples": 2_000_000, "image_size": 128, "epochs": 1}
    response = launch(client, huge, headers=headers, environ_base=PROXY)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and '"run_id"' not in body, body[:300]
    assert "over the budget of 8,192 MiB" in body, body[:500]
    with guarded_app.app_context():
        assert db.session.query(TrainingRun).filter_by(owner=user).count() == 0
        db.session.remove()
    assert queued_messages(redis_url, queue_name) == 0
