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


# Everything compose requires; each test removes the one it is about.
REQUIRED = {
    "SECRET_KEY": "compose-test-secret",
    "REDIS_PASSWORD": "compose-test-redis-password",
    "POSTGRES_PASSWORD": "compose-test-postgres-password",
    "OIDC_ISSUER_URL": "https://sso.example.com/realms/corp",
    "OIDC_CLIENT_ID": "dashapp",
    "OIDC_CLIENT_SECRET": "compose-test-client-secret",
    "PUBLIC_URL": "https://dashapp.example.com",
    "OAUTH2_PROXY_COOKIE_SECRET": "compose-test-cookie-secret-32byte",
}


def render_env(without: str | None = None) -> dict[str, str]:
    """The process environment with every required variable but `without`."""
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED and k != "DASHAPP_PROXY_IP"}
    env.update({k: v for k, v in REQUIRED.items() if k != without})
    return env


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    env = render_env()
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
    assert set(services) == {
        "buffer",
        "proxy",
        "postgres",
        "redis",
        "init",
        "web",
        "worker",
        "gpu-worker",
        "beat",
    }
    for name in ("buffer", "postgres", "redis", "web", "worker", "gpu-worker"):
        assert "healthcheck" in services[name], name


def test_web_and_workers_wait_for_migrations(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    assert services["init"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "gpu-worker", "beat"):
        assert services[name]["depends_on"]["init"]["condition"] == (
            "service_completed_successfully"
        )


def test_gpu_worker_reserves_a_gpu_and_serves_the_gpu_queue(rendered: dict[str, Any]) -> None:
    gpu = rendered["services"]["gpu-worker"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    command = gpu["command"]
    assert command[command.index("-Q") + 1] == "gpu" and "solo" in command


def test_one_beat_schedules_the_lost_run_sweep_for_the_ui_worker(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    beat = services["beat"]["command"]
    assert beat[:4] == ["celery", "-A", "dashapp.worker:ui_celery", "beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    worker = services["worker"]["command"]  # runs what beat schedules (queue `dash`)
    assert "dashapp.worker:ui_celery" in worker and worker[worker.index("-Q") + 1] == "dash"


def test_compose_refuses_to_render_without_a_secret_key() -> None:
    env = render_env(without="SECRET_KEY")
    result = subprocess.run(
        [*compose_command(), "-f", str(COMPOSE_FILE), "config"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_only_the_buffering_edge_publishes_a_port(rendered: dict[str, Any]) -> None:
    services, networks = rendered["services"], rendered["networks"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"buffer"}
    assert "nginx" in services["buffer"]["image"]
    # Compose v2 renders a volume as a mapping, Debian's v1 as "source:target:mode".
    volumes = services["buffer"]["volumes"]
    mounted = [v["source"] if isinstance(v, dict) else v.split(":")[0] for v in volumes]
    assert mounted == [str(PROJECT_ROOT / "deploy" / "nginx.conf")]
    # nginx reaches the sign-on proxy alone, on a network of their own with no route out.
    on_front = {name for name, s in services.items() if "front" in (s.get("networks") or {})}
    assert on_front == {"buffer", "proxy"}
    assert networks["front"]["internal"] is True
    assert "oauth2-proxy" in services["proxy"]["image"]
    assert "--upstream=http://web:8050/" in services["proxy"]["command"]
    assert services["proxy"]["environment"]["OAUTH2_PROXY_PASS_USER_HEADERS"] == "true"


def test_web_trusts_identity_headers_from_the_proxy_address_only(
    rendered: dict[str, Any],
) -> None:
    services, networks = rendered["services"], rendered["networks"]
    proxy_ip = services["proxy"]["networks"]["edge"]["ipv4_address"]
    assert services["web"]["environment"]["DASHAPP_TRUSTED_PROXIES"] == f"{proxy_ip}/32"
    # The edge network joins the proxy and web, nothing else, and has no route out.
    on_edge = {name for name, s in services.items() if "edge" in (s.get("networks") or {})}
    assert on_edge == {"proxy", "web"}
    assert networks["edge"]["internal"] is True
    # Workers and data services cannot reach web's edge address to forge identity headers.
    for name in ("worker", "gpu-worker", "postgres", "redis", "init"):
        assert set(services[name]["networks"]) == {"backend"}, name


def test_postgres_needs_a_password_and_the_app_sends_it(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    password = REQUIRED["POSTGRES_PASSWORD"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == password
    for name in ("init", "web", "worker", "gpu-worker"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith(f"postgresql://dashapp:{password}@postgres:"), name


def test_redis_needs_a_password_and_the_app_sends_it(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    password = REQUIRED["REDIS_PASSWORD"]
    assert "--requirepass" in " ".join(services["redis"]["command"])
    assert services["redis"]["environment"]["REDIS_PASSWORD"] == password
    for name in ("web", "worker", "gpu-worker"):
        assert services[name]["environment"]["REDIS_URL"].startswith(f"redis://:{password}@")


@pytest.mark.parametrize(
    "missing", ["REDIS_PASSWORD", "POSTGRES_PASSWORD", "OIDC_ISSUER_URL", "OIDC_CLIENT_SECRET"]
)
def test_compose_refuses_to_render_without_sign_on_and_database_secrets(missing: str) -> None:
    result = subprocess.run(
        [*compose_command(), "-f", str(COMPOSE_FILE), "config"],
        capture_output=True,
        text=True,
        env=render_env(without=missing),
        check=False,
    )
    assert result.returncode != 0
    assert missing in result.stderr
