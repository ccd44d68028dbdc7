"""Safe deployment defaults: production refuses to guess who the sign-on proxy is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from dashapp import create_app
from dashapp.settings import PROJECT_ROOT, SettingsError, load_settings
from tests.conftest import SettingsFactory

PROXY = {"REMOTE_ADDR": "127.0.0.1"}


def production_environment(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHAPP_")}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    env.update(
        DASHAPP_ENV="production",
        SECRET_KEY="deploy-defaults-secret",
        DASHAPP_INSTANCE_PATH=str(instance),
        PYTHONPATH=str(PROJECT_ROOT),
        **extra,
    )
    return env


def start_wsgi(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import wsgi.py as gunicorn does, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_app_refuses_to_start_without_trusted_proxies(tmp_path: Path) -> None:
    result = start_wsgi(production_environment(tmp_path))
    assert result.returncode != 0
    assert "DASHAPP_TRUSTED_PROXIES is not set" in result.stderr
    # The message says what to do, not just what is wrong.
    assert "docs/security.md" in result.stderr


def test_production_app_starts_once_trusted_proxies_are_set(tmp_path: Path) -> None:
    result = start_wsgi(production_environment(tmp_path, DASHAPP_TRUSTED_PROXIES="10.0.0.5/32"))
    assert result.returncode == 0, result.stderr


def test_development_keeps_the_loopback_default(tmp_path: Path) -> None:
    settings = load_settings(instance_path=tmp_path)
    assert settings.trusted_proxies == ["127.0.0.1/32", "::1/128"]


def test_a_malformed_proxy_address_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="trusted_proxies.*'corp-proxy' is not an IP"):
        load_settings(instance_path=tmp_path, trusted_proxies="corp-proxy")


@pytest.fixture
def secret_app(settings_factory: SettingsFactory) -> Flask:
    return create_app(
        settings_factory(env="production", admin_groups=["admins"], proxy_secret="s3cret-value")
    )


def test_with_a_proxy_secret_identity_needs_it(secret_app: Flask) -> None:
    client = secret_app.test_client()
    forged = {"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "admins"}
    no_secret = client.get("/", headers=forged, environ_base=PROXY)
    assert no_secret.status_code == 401
    wrong = client.get(
        "/", headers={**forged, "X-Dashapp-Proxy-Secret": "guess"}, environ_base=PROXY
    )
    assert wrong.status_code == 401
    right = client.get(
        "/", headers={**forged, "X-Dashapp-Proxy-Secret": "s3cret-value"}, environ_base=PROXY
    )
    assert right.status_code == 200


def test_groups_split_on_commas_only(settings_factory: SettingsFactory) -> None:
    from dashapp.web.identity import Role, identify

    app = create_app(settings_factory(env="production", admin_groups=["admins"]))
    with app.test_request_context(
        "/",
        headers={"X-Forwarded-User": "sam", "X-Forwarded-Groups": "staff;admins"},
        environ_base=PROXY,
    ):
        user = identify(__import__("flask").request, app.extensions["dashapp_settings"])
    assert user is not None
    # "staff;admins" is one (unknown) group name, not a way to add "admins".
    assert user.groups == ("staff;admins",)
    assert user.role is Role.VIEWER


def test_readyz_tells_an_untrusted_client_only_ok_or_failed(
    settings_factory: SettingsFactory,
) -> None:
    app = create_app(
        settings_factory(env="production", database_url="postgresql://u:pw@127.0.0.1:1/db")
    )
    response = app.test_client().get("/readyz", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "failed"}
    text = response.get_data(as_text=True)
    for detail in ("127.0.0.1", "port", "OperationalError", "psycopg2", "refused", "pw"):
        assert detail not in text
