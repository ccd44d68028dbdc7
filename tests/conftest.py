"""Shared fixtures: apps on SQLite and PostgreSQL, Redis, a Celery worker, Chromium."""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from selenium.webdriver.chrome.options import Options

from dashapp import create_app
from dashapp.settings import Settings, load_settings
from tests.support.services import (
    flushed_redis_url,
    throwaway_postgres_database,
    with_driver,
)
from tests.support.worker import WorkerProcess, start_worker, worker_env

SettingsFactory = Callable[..., Settings]


# Seconds spent per area (setup, call and teardown), printed at the end of every run so the
# suite's time can be watched as it grows (docs/development.md).
SECONDS_PER_AREA: defaultdict[str, float] = defaultdict(float)


def area_of(nodeid: str) -> str:
    """`integration/dataview` for tests/integration/dataview/test_x.py::test_y, `browser` for
    tests/browser/test_x.py::test_y."""
    parts = nodeid.split("::")[0].split("/")
    return "/".join(parts[1:-1]) or parts[0]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    SECONDS_PER_AREA[area_of(report.nodeid)] += report.duration


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not SECONDS_PER_AREA:
        return
    terminalreporter.section("time per area")
    total = sum(SECONDS_PER_AREA.values())
    for area, seconds in sorted(SECONDS_PER_AREA.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{seconds:8.1f} s  {100 * seconds / total:4.1f} %  {area}")
    terminalreporter.write_line(f"{total:8.1f} s  in tests (setup, call, teardown)")


def pytest_setup_options() -> Options:
    """Debian's Chromium, headless, with no background traffic to a closed network."""
    options = Options()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    return options


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests are marked by folder so `-m "not browser"` can leave them out."""
    for item in items:
        if "/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


# --- settings and apps on SQLite ---------------------------------------------------------------


def _test_settings(instance: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "instance_path": instance,
        "log_json": False,
        "database_url": None,
        "redis_url": None,
        "secret_key": "test-secret",
        # No lost-run sweeper thread per test app; tests that need it turn it on.
        "training_sweep_every_s": 0,
        # The session's PostgreSQL database is shared and no worker runs most queued runs:
        # earlier tests' runs must not count against later ones. Tests of the cap set it.
        "training_max_active_runs": 1_000_000,
    }
    if overrides.get("env") == "production":
        # Production has no default for trusted proxies (docs/security.md): tests use loopback.
        values["trusted_proxies"] = ["127.0.0.1/32", "::1/128"]
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture(autouse=True)
def _end_job_helpers_of_the_test() -> Iterator[None]:
    """End the embedded job helpers and run-sweeper threads of the apps this test made (one
    forked process and one thread per app): kept to the end of the run, hundreds of helpers
    filled the machine's memory, and hundreds of sweeper threads polling their databases make
    each later fork (a helper, a job) likelier to copy a lock one of them holds."""
    from dashapp.embedded_jobs import live_helpers
    from dashapp.periodic import live_sweepers

    before, sweeping = live_helpers(), live_sweepers()  # longer-lived fixtures' apps keep theirs
    yield
    for manager in live_helpers() - before:
        manager.stop_zygote()
    for sweeper in live_sweepers() - sweeping:
        sweeper.stop()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema once, copied for each test."""
    instance = tmp_path_factory.mktemp("template")
    server = create_app(_test_settings(instance))
    with server.app_context():
        upgrade(revision="heads")
    from dashapp.extensions import db

    with server.app_context():
        db.engine.dispose()
    return instance / "dashapp.sqlite"


@pytest.fixture
def settings_factory(tmp_path: Path, migrated_sqlite_template: Path) -> SettingsFactory:
    """Build settings for a migrated SQLite database private to this test."""

    def make(**overrides: Any) -> Settings:
        target = tmp_path / "dashapp.sqlite"
        if not target.exists():
            shutil.copy(migrated_sqlite_template, target)
        return _test_settings(tmp_path, **overrides)

    return make


@pytest.fixture
def app(settings_factory: SettingsFactory) -> Iterator[Flask]:
    """The Flask server (with Dash mounted) on a private, migrated SQLite database."""
    server = create_app(settings_factory())
    yield server
    _dispose(server)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for `app`."""
    return app.test_client()


def _dispose(server: Flask) -> None:
    from dashapp.extensions import db

    with server.app_context():
        db.session.remove()
        db.engine.dispose()


# --- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway PostgreSQL database for the session, migrated to the newest schema."""
    with throwaway_postgres_database() as url:
        server = create_app(
            _test_settings(tmp_path_factory.mktemp("pg"), database_url=with_driver(url))
        )
        with server.app_context():
            upgrade(revision="heads")
        _dispose(server)
        yield with_driver(url)


@pytest.fixture
def pg_settings_factory(pg_url: str, tmp_path: Path) -> SettingsFactory:
    """Settings on the session's PostgreSQL database (add redis_url=... for Celery mode)."""

    def make(**overrides: Any) -> Settings:
        return _test_settings(tmp_path, **{"database_url": pg_url, **overrides})

    return make


@pytest.fixture
def pg_app(pg_settings_factory: SettingsFactory) -> Iterator[Flask]:
    """The Flask server on PostgreSQL (embedded background manager)."""
    server = create_app(pg_settings_factory())
    yield server
    _dispose(server)


@pytest.fixture
def pg_client(pg_app: Flask) -> FlaskClient:
    """A test client for `pg_app`."""
    return pg_app.test_client()


# --- Redis and Celery --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A flushed Redis database reserved for tests."""
    return flushed_redis_url()


@pytest.fixture(scope="session")
def celery_worker(
    pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    """A real Celery worker process serving the `dash` and `gpu` queues on PostgreSQL + Redis.

    It runs in its own working directory and instance folder: it shares no disk with the app.
    """
    workdir = tmp_path_factory.mktemp("worker")
    worker = start_worker(worker_env(pg_url, redis_url, workdir / "instance"), workdir)
    yield worker
    worker.stop()


@pytest.fixture
def celery_app(
    pg_settings_factory: SettingsFactory, redis_url: str, celery_worker: WorkerProcess
) -> Iterator[Flask]:
    """The Flask server in production mode's Celery setting, with a worker running."""
    server = create_app(pg_settings_factory(redis_url=redis_url))
    yield server
    _dispose(server)


# --- browser -----------------------------------------------------------------------------------


@pytest.fixture
def dash_app_for() -> Callable[[Settings], Any]:
    """Build the Dash app (what dash_duo.start_server takes) for some settings."""

    def build(settings: Settings) -> Any:
        return create_app(settings).extensions["dash_app"]

    return build
