"""Production-shaped fixtures: two gunicorn web processes and two Celery workers, no shared disk."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.gunicorn import WebProcess, start_web
from tests.support.worker import WorkerProcess, start_worker, worker_env

TRAINER = {"X-Forwarded-User": "tina", "X-Forwarded-Groups": "ml"}
VIEWER = {"X-Forwarded-User": "victor", "X-Forwarded-Groups": "staff"}
ADMIN = {"X-Forwarded-User": "ada", "X-Forwarded-Groups": "admins"}


def production_env(pg_url: str, redis_url: str, instance: Path) -> dict[str, str]:
    """Settings of a production deployment pointed at the test services."""
    env = worker_env(pg_url, redis_url, instance)
    env.update(
        DASHAPP_ENV="production",
        SECRET_KEY="scale-out-test-secret",
        DASHAPP_TRUSTED_PROXIES="127.0.0.1/32",
        DASHAPP_ADMIN_GROUPS="admins",
        DASHAPP_TRAINER_GROUPS="ml",
        DASHAPP_LOG_JSON="true",
        # Queues of their own: the session's test worker must not take these jobs.
        DASHAPP_UI_QUEUE="dash-cluster",
        DASHAPP_TRAINING_QUEUE="gpu-cluster",
        # The session's database is shared: other tests' queued runs must not count here.
        DASHAPP_TRAINING_MAX_ACTIVE_RUNS="1000000",
    )
    return env


@dataclass
class Cluster:
    """Two web processes and two workers, each in its own directory."""

    webs: list[WebProcess]
    workers: list[WorkerProcess]
    env: dict[str, str]


@pytest.fixture(scope="module")
def cluster(
    pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Start 2 gunicorn web processes (different ports) and 2 workers (different hosts/dirs)."""
    base = tmp_path_factory.mktemp("cluster")
    env = production_env(pg_url, redis_url, base / "unused-instance")
    webs: list[WebProcess] = []
    workers: list[WorkerProcess] = []
    try:
        for index in range(2):
            host_dir = base / f"web{index}"
            webs.append(
                start_web(
                    {**env, "DASHAPP_INSTANCE_PATH": str(host_dir / "instance")},
                    host_dir,
                    workers=2,
                    threads=4,
                )
            )
        for index in range(2):
            host_dir = base / f"worker{index}"
            workers.append(
                start_worker(
                    {**env, "DASHAPP_INSTANCE_PATH": str(host_dir / "instance")},
                    host_dir,
                    queues="dash-cluster,gpu-cluster",
                    concurrency=1,
                    hostname=f"host{index}@%h",
                )
            )
        yield Cluster(webs, workers, env)
    finally:
        for process in [*webs, *workers]:
            process.stop()
