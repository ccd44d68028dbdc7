"""Read-only connections with a statement timeout, and timeouts turned into user errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashapp.services.grid.errors import GridQueryError

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


def _begin_read_only(conn: Connection, timeout_ms: int, idle_ms: int) -> None:
    """Make the current transaction read-only with a statement timeout, per dialect."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        # One round trip for all three (every grid request pays it). set_config(..., true) is
        # SET LOCAL: it ends with the transaction, so the pooled connection goes back to other
        # users without our timeout.
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


@contextmanager
def read_connection(
    engine: Engine, timeout_ms: int, idle_ms: int = IDLE_IN_TRANSACTION_MS
) -> Iterator[Connection]:
    """A connection in a read-only transaction whose statements stop after `timeout_ms`, and
    which PostgreSQL ends when it sits idle in the transaction for `idle_ms`.

    PostgreSQL and MySQL/MariaDB refuse writes in the transaction and cancel long statements;
    SQLite refuses writes (it has no statement timeout). Other dialects: best effort (plain
    transaction, rolled back).
    """
    with engine.connect() as conn:
        try:
            with conn.begin() as transaction:
                _begin_read_only(conn, timeout_ms, idle_ms)
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
                    if transaction.is_active:
                        transaction.rollback()
        finally:
            if conn.dialect.name == "sqlite" and not conn.closed:
                conn.exec_driver_sql("PRAGMA query_only = OFF")
                conn.commit()


def is_timeout(exc: BaseException) -> bool:
    """True when a database error is a statement timeout."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "pgcode", None) == QUERY_CANCELED:
        return True
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    return len(args) > 0 and args[0] in MYSQL_TIMEOUTS
