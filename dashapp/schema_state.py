"""Is the database schema at the newest migration? Upgrade it (embedded) or refuse to serve.

The embedded default upgrades its SQLite file itself at start, so `gunicorn wsgi:app` on a fresh
clone works. A shared database (PostgreSQL) is upgraded by the operator (`dashapp init-db`, the
compose init job): until it is at head the web answers 503 with the missing migrations named,
and `/readyz` fails, instead of serving blank pages over 500s.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.engine import Engine

from dashapp.settings import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
# While the schema is behind, look again at most this often (the operator may be upgrading).
RECHECK_S = 5.0


@dataclass(frozen=True)
class SchemaStatus:
    """The revisions the database is at, and those it still needs, oldest first."""

    current: tuple[str, ...]
    missing: tuple[str, ...]
    # Revisions in the database that this code does not ship (a newer release migrated it).
    unknown: tuple[str, ...] = ()

    @property
    def at_head(self) -> bool:
        """True when no migration is missing and every applied one is known."""
        return not self.missing and not self.unknown

    def describe(self) -> str:
        """A sentence for operators: what is missing and what to run."""
        if self.unknown:
            return (
                f"The database schema is at {', '.join(self.unknown)}, which this release does "
                "not know: a newer release has migrated it. Deploy that release."
            )
        if self.at_head:
            return "The database schema is up to date."
        state = "has no dashapp tables" if not self.current else f"is at {', '.join(self.current)}"
        return (
            f"The database schema {state}; missing migrations: {', '.join(self.missing)}. "
            "Run `dashapp init-db` to upgrade it."
        )


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def schema_status(engine: Engine) -> SchemaStatus:
    """Compare the database's Alembic revisions with the migrations this code ships."""
    scripts = _scripts()
    with engine.connect() as connection:
        current = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    known = {script.revision for script in scripts.walk_revisions()}
    unknown = tuple(revision for revision in current if revision not in known)
    if unknown:
        return SchemaStatus(current=current, missing=(), unknown=unknown)
    # Everything the heads need, minus everything the database's revisions already include.
    heads = tuple(scripts.get_heads())
    needed = [rev.revision for rev in scripts.iterate_revisions(heads, "base")]
    applied: set[str] = set()
    if current:
        applied = {rev.revision for rev in scripts.iterate_revisions(current, "base")}
    missing = tuple(reversed([revision for revision in needed if revision not in applied]))
    return SchemaStatus(current=current, missing=missing)


@contextmanager
def _migration_lock(instance_path: Path) -> Iterator[None]:
    """One process at a time upgrades the embedded database (gunicorn starts several)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    with (instance_path / "migrate.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade_embedded_database(server: Flask, instance_path: Path) -> None:
    """Create or upgrade the embedded SQLite schema to the newest migration."""
    from flask_migrate import upgrade

    from dashapp.extensions import db

    with server.app_context(), _migration_lock(instance_path):
        if not schema_status(db.engine).at_head:
            upgrade(directory=str(MIGRATIONS_DIR), revision="heads")


class SchemaGate:
    """Remembers, per process, whether the shared database is at head (checked until it is)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status: SchemaStatus | None = None
        self._checked_at = 0.0

    def status(self, engine: Engine) -> SchemaStatus:
        """The last known status, refreshed while behind (at most every RECHECK_S seconds)."""
        with self._lock:
            fresh_enough = time.monotonic() - self._checked_at < RECHECK_S
            if self._status is not None and (self._status.at_head or fresh_enough):
                return self._status
        status = schema_status(engine)
        with self._lock:
            self._status, self._checked_at = status, time.monotonic()
        return status
