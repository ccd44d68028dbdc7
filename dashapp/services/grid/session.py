"""Read-only connections with a statement timeout, and timeouts turned into user errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashapp.services.grid.errors import GridQueryError

log = logging.getLogger(__name__)
# PostgreSQL's SQLSTATE for "canceling statement due to statement timeout".
QUERY_CANCELED = "57014"
# A session left idle inside one of these transactions (a stalled reader) is ended by the server.
IDLE_IN_TRANSACTION_MS = 30_000
# MariaDB's ER_STATEMENT_TIMEOUT (max_statement_time) and MySQL's ER_QUERY_TIMEOUT
# (max_execution_time).
MYSQL_TIMEOUTS = frozenset({1969, 3024})


def is_mariadb(engine_or_conn: Engine | Connection) -> bool:
    """True when a MySQL-dialect connection talks to MariaDB (its timeout is in seconds)."""
    return bool(getattr(engine_or_conn.dialect, "is_mariadb", False))


def _begin_read_only(conn: Connection, timeout_ms: int, idle_ms: int, one_trip: bool) -> None:
    """Make the current transaction read-only with a statement timeout, per dialect."""
    dialect = conn.dialect.name
    if dialect == "postgresql" and one_trip:
        # The driver is in autocommit mode here (see _open): this one round trip opens the
        # server's transaction and sets all three, where the driver would have sent its own
        # BEGIN first. SET LOCAL ends with the transaction, so the pooled connection goes
        # back to other users without our timeout. Integers only: nothing to quote.
        conn.exec_driver_sql(
            "BEGIN READ ONLY; "
            f"SET LOCAL statement_timeout = {int(timeout_ms)}; "
            f"SET LOCAL idle_in_transaction_session_timeout = {int(idle_ms)}"
        )
    elif dialect == "postgresql":
        # A server-side cursor needs the driver's own transaction (it refuses one in
        # autocommit mode): the driver sends BEGIN, then this. set_config(..., true) is
        # SET LOCAL.
        conn.exec_driver_sql(
            "SET TRANSACTION READ ONLY; "
            "SELECT set_config('statement_timeout', %(timeout)s, true), "
            "set_config('idle_in_transaction_session_timeout', %(idle)s, true)",
            {"timeout": f"{int(timeout_ms)}ms", "idle": f"{int(idle_ms)}ms"},
        )
    elif dialect in ("mysql", "mariadb"):
        # Session variables: every checkout sets them again, so a pooled connection always
        # carries this source's timeout.
        if is_mariadb(conn):
            conn.exec_driver_sql(f"SET SESSION max_statement_time = {int(timeout_ms) / 1000:.3f}")
        else:
            conn.exec_driver_sql(f"SET SESSION max_execution_time = {int(timeout_ms)}")
        conn.exec_driver_sql("START TRANSACTION READ ONLY")
    elif dialect == "sqlite":
        # Refuses any write on this connection until switched off again (see read_connection).
        conn.exec_driver_sql("PRAGMA query_only = ON")


def _driver(conn: Connection) -> Any:
    """The DBAPI connection under a SQLAlchemy connection."""
    return conn.connection.dbapi_connection


def _open(engine: Engine, timeout_ms: int, idle_ms: int, one_trip: bool) -> Connection:
    """A pooled connection inside a read-only transaction with the timeouts set.

    The statement that begins the transaction is also the liveness check: a pooled connection
    the server dropped (a restart) fails it, SQLAlchemy invalidates the pool, and one retry on
    a fresh connection follows. Nothing has been read yet, so retrying is always safe; this is
    why data-source engines need no pre-ping round trip per checkout.
    """
    for attempt in (1, 2):
        conn = engine.connect()
        try:
            if conn.dialect.name == "postgresql" and one_trip:
                # On the driver itself, not through SQLAlchemy's isolation level (which costs a
                # SET round trip on the way in and another on the way out); _end switches it
                # back before the connection returns to the pool.
                _driver(conn).autocommit = True
            conn.begin()
            _begin_read_only(conn, timeout_ms, idle_ms, one_trip)
            return conn
        except BaseException as exc:
            # Never back into the pool half-begun (autocommit on, maybe inside our BEGIN).
            if not conn.invalidated:
                conn.invalidate()
            conn.close()
            dropped = isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated
            if attempt == 2 or not dropped:
                raise
    raise AssertionError("unreachable")  # the loop returns or raises


def _end(conn: Connection) -> None:
    """Roll back whatever the transaction did and give the connection back to the pool."""
    try:
        if conn.invalidated:
            pass  # the pool drops it
        elif conn.dialect.name == "postgresql" and _driver(conn).autocommit:
            # Autocommit mode: the driver's rollback() sends nothing, the server's transaction
            # (our BEGIN) is ended here. If anything fails the connection is not reused: a
            # pooled connection must never carry our transaction or autocommit to its next user.
            # (No raise: an error from the block itself must not be masked by this one.)
            try:
                conn.exec_driver_sql("ROLLBACK")
                _driver(conn).autocommit = False
            except Exception:
                log.warning("could not end a read-only transaction; dropping the connection")
                conn.invalidate()
        elif conn.in_transaction():
            conn.rollback()
        if conn.dialect.name == "sqlite" and not conn.closed and not conn.invalidated:
            conn.exec_driver_sql("PRAGMA query_only = OFF")
            conn.commit()
    finally:
        conn.close()


@contextmanager
def read_connection(
    engine: Engine, timeout_ms: int, idle_ms: int = IDLE_IN_TRANSACTION_MS, streaming: bool = False
) -> Iterator[Connection]:
    """A connection in a read-only transaction whose statements stop after `timeout_ms`, and
    which PostgreSQL ends when it sits idle in the transaction for `idle_ms`.

    PostgreSQL and MySQL/MariaDB refuse writes in the transaction and cancel long statements;
    SQLite refuses writes (it has no statement timeout). Other dialects: best effort (plain
    transaction, rolled back). `streaming`: the caller reads through a server-side cursor
    (PostgreSQL then begins in two round trips instead of one).
    """
    conn = _open(engine, timeout_ms, idle_ms, one_trip=not streaming)
    try:
        yield conn
    except sa.exc.OperationalError as exc:
        if is_timeout(exc):
            raise GridQueryError(
                f"The query took longer than {timeout_ms / 1000:g} s and was "
                "stopped. Narrow the filters and try again."
            ) from None
        raise
    finally:
        # Nothing is ever written through a data view connection: end by rolling back.
        _end(conn)


def is_timeout(exc: BaseException) -> bool:
    """True when a database error is a statement timeout."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "pgcode", None) == QUERY_CANCELED:
        return True
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    return len(args) > 0 and args[0] in MYSQL_TIMEOUTS
