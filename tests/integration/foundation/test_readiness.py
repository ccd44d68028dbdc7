"""/healthz and /readyz against real and stopped services."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from dashapp import create_app
from tests.conftest import SettingsFactory

# Nothing listens on port 1: what a client sees of a stopped server.
STOPPED_POSTGRES = "postgresql://postgres@127.0.0.1:1/dashapp"
STOPPED_REDIS = "redis://127.0.0.1:1/0"


def test_ready_on_real_postgres_and_redis(
    pg_settings_factory: SettingsFactory, redis_url: str
) -> None:
    server = create_app(pg_settings_factory(redis_url=redis_url))
    response = server.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_reports_a_stopped_database(
    settings_factory: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server = create_app(settings_factory(database_url=STOPPED_POSTGRES))
    client = server.test_client()
    assert client.get("/healthz").status_code == 200
    with caplog.at_level(logging.WARNING, logger="dashapp.routes.health"):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    # Clients learn only that it failed; the driver's error (host, port) goes to the log.
    assert body["checks"]["database"] == "failed"
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert "OperationalError" in caplog.text


def test_readyz_reports_a_stopped_redis(
    pg_settings_factory: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server = create_app(pg_settings_factory(redis_url=STOPPED_REDIS))
    with caplog.at_level(logging.WARNING, logger="dashapp.routes.health"):
        response = server.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "redis": "failed"}
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert "ConnectionError" in caplog.text


def test_probes_need_no_identity_in_production(settings_factory: SettingsFactory) -> None:
    server = create_app(settings_factory(env="production"))
    client: FlaskClient = server.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_requests_during_a_database_outage_get_a_clear_503(
    settings_factory: SettingsFactory,
) -> None:
    server = create_app(settings_factory(database_url=STOPPED_POSTGRES))

    @server.get("/_test/db")
    def _touch_database() -> str:
        from sqlalchemy import text

        from dashapp.extensions import db

        db.session.execute(text("SELECT 1"))
        return "ok"

    response = server.test_client().get("/_test/db")
    assert response.status_code == 503
    assert "database is unavailable" in response.get_json()["error"]
    assert "postgres@" not in response.get_data(as_text=True)
