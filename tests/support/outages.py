"""Stop and start the real PostgreSQL and Redis servers of this machine (fault-injection tests)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.support.services import service_missing

REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def _pg_version() -> str:
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*"))
    if not versions or not shutil.which("pg_ctlcluster"):
        service_missing("pg_ctlcluster not available: cannot restart PostgreSQL here")
    return versions[-1]


def _pg(action: str) -> None:
    cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", action]
    if action == "stop":
        cmd += ["-m", "fast"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


def _wait(check: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise TimeoutError("service did not come back")


def _pg_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False
        ).returncode
        == 0
    )


@contextmanager
def postgres_stopped() -> Iterator[None]:
    """PostgreSQL is down inside the block and back up (accepting connections) after it."""
    _pg("stop")
    try:
        yield
    finally:
        _pg("start")
        _wait(_pg_ready)


def _redis_up() -> bool:
    try:
        return bool(redis.Redis(socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextmanager
def redis_stopped() -> Iterator[None]:
    """Redis is down inside the block (its data is lost, as in a real restart) and back after."""
    if not shutil.which("redis-server"):
        service_missing("redis-server not installed: cannot restart Redis here")
    client = redis.Redis(socket_connect_timeout=1)
    try:
        client.shutdown(nosave=True)
    except redis.ConnectionError:
        pass  # shutdown closes the connection under us
    _wait(lambda: not _redis_up())
    try:
        yield
    finally:
        subprocess.run(REDIS_START, check=True, capture_output=True, timeout=30)
        _wait(_redis_up)
