"""Start a real Celery worker process against a test database and Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from dashapp.settings import PROJECT_ROOT
from tests.support.processes import ManagedProcess


@dataclass
class WorkerProcess(ManagedProcess):
    """A running `celery worker` subprocess and where its log goes."""


def worker_env(database_url: str, redis_url: str, instance_path: Path) -> dict[str, str]:
    """Environment for a worker process: production-like settings pointed at test services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHAPP_")}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DASHAPP_INSTANCE_PATH=str(instance_path),
        DASHAPP_LOG_JSON="false",
        PYTHONPATH=str(PROJECT_ROOT),
    )
    return env


def start_worker(
    env: dict[str, str],
    workdir: Path,
    queues: str = "dash,gpu",
    app: str = "dashapp.worker:ui_celery",
    pool: str = "prefork",
    concurrency: int = 2,
    hostname: str | None = None,
    ready_timeout: float = 60.0,
) -> WorkerProcess:
    """Launch `celery worker` in its own process group and wait until it says ready."""
    workdir.mkdir(parents=True, exist_ok=True)
    # Unique node names: Celery warns (an error under our filterwarnings) on duplicates.
    hostname = hostname or f"test-worker-{uuid.uuid4().hex[:8]}@%h"
    log_path = workdir / "worker.log"
    log_file = log_path.open("wb")
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        app,
        "worker",
        "-Q",
        queues,
        "--pool",
        pool,
        "--concurrency",
        str(concurrency),
        "--hostname",
        hostname,
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    process = subprocess.Popen(
        cmd, cwd=workdir, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
    )
    worker = WorkerProcess(process, log_path)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{worker.log()}")
        if " ready." in worker.log():
            return worker
        time.sleep(0.2)
    worker.kill()
    raise RuntimeError(f"celery worker not ready in {ready_timeout}s:\n{worker.log()}")


def start_beat(
    env: dict[str, str], workdir: Path, app: str = "dashapp.worker:ui_celery"
) -> WorkerProcess:
    """Launch `celery beat` (the periodic lost-run sweep) and wait until it starts."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "beat.log"
    cmd = [sys.executable, "-m", "celery", "-A", app, "beat", "--loglevel", "INFO"]
    cmd += ["--schedule", str(workdir / "celerybeat-schedule")]
    process = subprocess.Popen(
        cmd,
        cwd=workdir,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    beat = WorkerProcess(process, log_path)
    deadline = time.monotonic() + 60
    while "beat: Starting" not in beat.log():
        if process.poll() is not None or time.monotonic() > deadline:
            beat.kill()
            raise RuntimeError(f"celery beat did not start:\n{beat.log()}")
        time.sleep(0.2)
    return beat
