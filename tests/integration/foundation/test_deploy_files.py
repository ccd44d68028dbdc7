"""Deployment files: docker compose validates and wires the services as operators expect."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from dashapp.settings import PROJECT_ROOT
from tests.support.services import service_missing

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"


def compose_command() -> list[str]:
    """`docker compose` (plugin) or `docker-compose` (Debian's v1), whichever validates here."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    service_missing("neither `docker compose` nor `docker-compose` is installed")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    env = {**os.environ, "SECRET_KEY": "compose-test-secret"}
    result = subprocess.run(
        [*compose_command(), "-f", str(COMPOSE_FILE), "config"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


def test_compose_has_every_service_with_a_healthcheck(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    assert set(services) == {"postgres", "redis", "init", "web", "worker", "gpu-worker"}
    for name in ("postgres", "redis", "web", "worker", "gpu-worker"):
        assert "healthcheck" in services[name], name


def test_web_and_workers_wait_for_migrations(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    assert services["init"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "gpu-worker"):
        assert services[name]["depends_on"]["init"]["condition"] == (
            "service_completed_successfully"
        )


def test_gpu_worker_reserves_a_gpu_and_serves_the_gpu_queue(rendered: dict[str, Any]) -> None:
    gpu = rendered["services"]["gpu-worker"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    command = gpu["command"]
    assert command[command.index("-Q") + 1] == "gpu" and "solo" in command


def test_compose_refuses_to_render_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [*compose_command(), "-f", str(COMPOSE_FILE), "config"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
