"""Database engine set-up shared by the web app, the CLI and the workers."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.pool import NullPool

from dashapp.extensions import db, migrate
from dashapp.settings import PROJECT_ROOT, Settings

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def engine_options(settings: Settings) -> dict[str, Any]:
    """Pool settings: pre-ping so a restarted database costs no failed request."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if settings.sqlalchemy_url.startswith("postgresql"):
        options.update(
            pool_size=5,
            max_overflow=10,
            pool_recycle=1800,
            connect_args={"connect_timeout": 5, "application_name": "dashapp"},
        )
    else:
        # SQLite: background jobs write from other processes; wait instead of "database locked".
        options["connect_args"] = {"timeout": 30}
        # No pooled connections: the embedded job manager forks this process, and an SQLite
        # connection carried across fork() corrupts the parent's view of the WAL (stale reads).
        options["poolclass"] = NullPool
    return options


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def init_database(server: Flask, settings: Settings) -> None:
    """Bind Flask-SQLAlchemy and Flask-Migrate to `server` and register every model."""
    import dashapp.models  # noqa: F401 - models must be known before migrations compare

    server.config["SQLALCHEMY_DATABASE_URI"] = settings.sqlalchemy_url
    server.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(settings)
    db.init_app(server)
    migrate.init_app(server, db, directory=str(MIGRATIONS_DIR))
    if settings.sqlalchemy_url.startswith("sqlite"):
        with server.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
