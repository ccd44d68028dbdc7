"""One data source: its own engine and pool, a statement timeout, read-only connections."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from dashapp.dataview.session import drop_closed_on_checkout, read_connection

log = logging.getLogger(__name__)

# The reserved name of the app's own database (the embedded demo's tables live there).
APP_SOURCE = "app"
# Dialects whose read-only transaction and statement timeout we set ourselves.
FULLY_SUPPORTED = frozenset({"postgresql", "mysql", "mariadb", "sqlite"})


def normalise_url(url: str) -> str:
    """Name the driver we ship for bare PostgreSQL and MySQL/MariaDB URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url.removeprefix(prefix)
    for prefix in ("mysql://", "mariadb://"):
        if url.startswith(prefix):
            return prefix.removesuffix("://") + "+pymysql://" + url.removeprefix(prefix)
    return url


def make_engine(url: str, pool_size: int = 5, connect_timeout_s: int = 5) -> Engine:
    """An engine with its own small pool for one source (never shared with the app's tables)."""
    normalised = normalise_url(url)
    backend = make_url(normalised).get_backend_name()
    # PostgreSQL: a pre-ping would add a round trip per checkout to reads of one round trip
    # (statement mode); a checkout hook sees a session the server ended without one.
    kwargs: dict[str, object] = {"pool_pre_ping": backend != "postgresql"}
    connect_args: dict[str, object] = {}
    if backend == "sqlite":
        connect_args["check_same_thread"] = False
    else:
        # LIFO: the connection used last goes out next, so requests land on server sessions
        # that have already planned the source's tables (a fresh PostgreSQL session's first plan
        # of a 10M-row table took 15 ms here, then 0.7 ms), and spare ones sit idle.
        kwargs.update(
            pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800, pool_use_lifo=True
        )
        if backend in ("postgresql", "mysql", "mariadb"):
            connect_args["connect_timeout"] = connect_timeout_s
    if backend in ("mysql", "mariadb"):
        connect_args["charset"] = "utf8mb4"
    engine = sa.create_engine(normalised, connect_args=connect_args, **kwargs)
    if backend == "postgresql":
        sa.event.listen(engine, "checkout", drop_closed_on_checkout)
    return engine


@dataclass(frozen=True)
class DataSource:
    """A named database the data view reads, with its engine and statement timeout."""

    name: str
    engine: Engine = field(compare=False, repr=False)
    timeout_ms: int = 5000
    title: str | None = None

    @property
    def dialect(self) -> str:
        """The SQLAlchemy dialect name (postgresql, mysql, sqlite, ...)."""
        return self.engine.dialect.name

    @property
    def best_effort(self) -> bool:
        """True for dialects where read-only and timeouts are not enforced by us."""
        return self.dialect not in FULLY_SUPPORTED

    def display_url(self) -> str:
        """The URL with its password hidden (for the admin page and logs)."""
        return self.engine.url.render_as_string(hide_password=True)


@dataclass(frozen=True)
class SourceHealth:
    """Whether a source answered, how fast, and what it said when it did not."""

    name: str
    ok: bool
    elapsed_ms: float
    server: str
    error: str = ""


def check_health(source: DataSource) -> SourceHealth:
    """Run one trivial read-only query on the source."""
    started = time.perf_counter()
    try:
        with read_connection(source.engine, min(source.timeout_ms, 5000)) as conn:
            conn.execute(sa.text("SELECT 1")).scalar_one()
            version = conn.dialect.server_version_info or ()
    except Exception as exc:  # any driver error is a health finding, not a crash
        elapsed = (time.perf_counter() - started) * 1000
        log.warning("data source %s is unhealthy: %s", source.name, exc)
        message = str(getattr(exc, "orig", exc)).splitlines()[0][:300]
        return SourceHealth(source.name, False, elapsed, source.dialect, message)
    elapsed = (time.perf_counter() - started) * 1000
    server = f"{source.dialect} {'.'.join(str(v) for v in version)}".strip()
    return SourceHealth(source.name, True, elapsed, server)
