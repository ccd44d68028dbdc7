"""Settings: embedded defaults, environment overrides, production safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashapp.settings import Environment, SettingsError, load_settings


def test_no_environment_means_embedded_sqlite_and_diskcache(tmp_path: Path) -> None:
    settings = load_settings(instance_path=tmp_path)
    assert settings.env is Environment.DEVELOPMENT
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'dashapp.sqlite'}"
    assert not settings.uses_celery


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/app")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("DASHAPP_ADMIN_GROUPS", "ops, data-leads")
    monkeypatch.setenv("DASHAPP_PROXY_HOPS", "2")
    settings = load_settings()
    assert settings.sqlalchemy_url == "postgresql+psycopg2://u@db:5432/app"
    assert settings.uses_celery
    assert settings.admin_groups == ["ops", "data-leads"]
    assert settings.proxy_hops == 2


def test_heroku_style_postgres_url_is_accepted() -> None:
    settings = load_settings(database_url="postgres://u@db/app")
    assert settings.sqlalchemy_url == "postgresql+psycopg2://u@db/app"


def test_production_without_secret_key_stops_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DASHAPP_ENV", "production")
    with pytest.raises(SettingsError, match="SECRET_KEY is not set"):
        load_settings()


def test_bad_values_are_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHAPP_DEV_ROLE", "superuser")
    with pytest.raises(SettingsError, match="dev_role"):
        load_settings()
