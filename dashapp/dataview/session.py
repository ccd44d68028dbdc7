"""Read-only connections with a statement timeout, and timeouts turned into user errors.

On PostgreSQL a read that needs no snapshot shared between its statements (a grid block, a
count, a health check) runs in *statement mode*: the driver stays in autocommit and every
statement goes out as one message that starts with `SET LOCAL` of the read-only flag and the
timeouts. PostgreSQL runs a message of several statements as one implicit transaction, so the
settings hold for that statement and end with it: one round trip per statement, where a
`BEGIN ...` and a `ROLLBACK` around it cost two more. It also holds behind PgBouncer in
transaction mode, where a session-level `SET` would silently stop applying.
"""

from __future__ import annotations

import logging
import select
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor, ExecutionContext
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from dashapp.dataview.errors import GridQueryError

log = logging.getLogger(__name__)
# PostgreSQL's SQLSTATE for "canceling statement due to statement timeout".
QUERY_CANCELED = "57014"
# A session left idle inside one of these transactions (a stalled reader) is ended by the server.
IDLE_IN_TRANSACTION_MS = 30_000
# MariaDB's ER_STATEMENT_TIMEOUT (max_statement_time) and MySQL's ER_QUERY_TIMEOUT
# (max_execution_time).
MYSQL_TIMEOUTS = frozenset({1969, 3024})
# The execution option that carries statement mode's prefix (see the module docstring).
STATEMENT_PREFIX = "dashapp_statement_prefix"
# Engines whose statements get the prefix when a connection carries it.
_PREFIXING: weakref.WeakSet[Engine] = weakref.WeakSet()
_PREFIXING_LOCK = threading.Lock()
# Drivers that send a statement with its parameters as one simple-query message (psycopg 3 and
# pg8000 use prepared statements, which take one statement only).
STATEMENT_MODE_DRIVERS = frozenset({"psycopg2"})


def _prefix_statement(
    conn: Connection,
    cursor: DBAPICursor,
    statement: str,
    parameters: Any,
    context: ExecutionContext | None,
    executemany: bool,
) -> tuple[str, Any]:
    """Put statement mode's SET LOCALs in front of the statement (same message, same trip)."""
    options = context.execution_options if context is not None else conn.get_execution_options()
    prefix = options.get(STATEMENT_PREFIX)
    return (prefix + statement, parameters) if prefix else (statement, parameters)


def _statement_prefix(timeout_ms: int, idle_ms: int) -> str:
    """What makes one statement read-only with our timeouts (integers only: nothing to quote)."""
    return (
        "SET LOCAL transaction_read_only = on; "
        f"SET LOCAL statement_timeout = {int(timeout_ms)}; "
        f"SET LOCAL idle_in_transaction_session_timeout = {int(idle_ms)}; "
    )


def in_statement_mode(conn: Connection) -> bool:
    """True when each statement on `conn` is its own read-only transaction (no savepoints)."""
    return bool(conn.get_execution_options().get(STATEMENT_PREFIX))


class _NoSavepoint:
    """Stands in for a savepoint in statement mode: a failed statement ends only itself."""

    def commit(self) -> None:
        """Nothing to release."""

    def rollback(self) -> None:
        """Nothing to roll back."""


def savepoint(conn: Connection) -> sa.engine.NestedTransaction | _NoSavepoint:
    """A savepoint a statement that may time out runs in, so that what follows still runs.

    In statement mode there is no transaction to keep alive and none to nest in.
    """
    return _NoSavepoint() if in_statement_mode(conn) else conn.begin_nested()


def drop_closed_on_checkout(
    dbapi_connection: DBAPIConnection,
    record: ConnectionPoolEntry,
    _proxy: PoolProxiedConnection,
) -> None:
    """Pool checkout hook (PostgreSQL): refuse a connection the server has already closed.

    A server that ends a session (a restart, pg_terminate_backend) sends its last message and
    closes the socket, which the idle connection then has waiting to be read. Seeing that costs
    no round trip, unlike a pre-ping; the pool replaces the connection (DisconnectionError).
    poll, not select: a busy web process holds more than select's 1,024 descriptors.
    """
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:
        return
    try:
        descriptor = fileno()
    except Exception:  # the driver knows its socket is gone
        raise sa.exc.DisconnectionError("connection closed") from None
    watch = select.poll()
    watch.register(descriptor, select.POLLIN | select.POLLPRI)
    if watch.poll(0):  # input waiting, or POLLHUP/POLLERR/POLLNVAL
        raise sa.exc.DisconnectionError("the server ended this session")


def is_mariadb(engine_or_conn: Engine | Connection) -> bool:
    """True when a MySQL-dialect connection talks to MariaDB (its timeout is in seconds)."""
    return bool(getattr(engine_or_conn.dialect, "is_mariadb", False))


def _begin_read_only(
    conn: Connection, timeout_ms: int, idle_ms: int, one_trip: bool, snapshot: bool = False
) -> None:
    """Make the current transaction read-only with a statement timeout, per dialect.

    `snapshot` (PostgreSQL): REPEATABLE READ, so every statement sees the data as the first
    one did (READ COMMITTED takes a new snapshot per statement). Read-only, it never fails to
    serialise. MySQL/MariaDB (InnoDB) read that way by default.
    """
    dialect = conn.dialect.name
    if dialect == "postgresql" and one_trip:
        # The driver is in autocommit mode here (see _open): this one round trip opens the
        # server's transaction and sets all three, where the driver would have sent its own
        # BEGIN first. SET LOCAL ends with the transaction, so the pooled connection goes
        # back to other users without our timeout. Integers only: nothing to quote.
        isolation = "ISOLATION LEVEL REPEATABLE READ " if snapshot else ""
        conn.exec_driver_sql(
            f"BEGIN {isolation}READ ONLY; "
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


def _open_statement_mode(engine: Engine, timeout_ms: int, idle_ms: int) -> Connection:
    """A pooled PostgreSQL connection in statement mode (see the module docstring).

    No statement is sent here: the pool's checkout hook (`drop_closed_on_checkout`, on data
    source engines) or pre-ping (the app's own engine) has replaced a connection the server
    closed.
    """
    with _PREFIXING_LOCK:
        if engine not in _PREFIXING:
            sa.event.listen(engine, "before_cursor_execute", _prefix_statement, retval=True)
            _PREFIXING.add(engine)
    conn = engine.connect()
    try:
        _driver(conn).autocommit = True
    except BaseException:
        conn.invalidate()
        conn.close()
        raise
    return conn.execution_options(**{STATEMENT_PREFIX: _statement_prefix(timeout_ms, idle_ms)})


def _open(
    engine: Engine, timeout_ms: int, idle_ms: int, one_trip: bool, snapshot: bool = False
) -> Connection:
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
            _begin_read_only(conn, timeout_ms, idle_ms, one_trip, snapshot)
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
        elif in_statement_mode(conn):
            # Every statement ended its own transaction: the driver only leaves autocommit
            # (no round trip) before the connection goes back to the pool.
            try:
                _driver(conn).autocommit = False
            except Exception:
                log.warning("could not leave autocommit; dropping the connection")
                conn.invalidate()
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
    engine: Engine,
    timeout_ms: int,
    idle_ms: int = IDLE_IN_TRANSACTION_MS,
    streaming: bool = False,
    snapshot: bool = False,
) -> Iterator[Connection]:
    """A connection in a read-only transaction whose statements stop after `timeout_ms`, and
    which PostgreSQL ends when it sits idle in the transaction for `idle_ms`.

    PostgreSQL and MySQL/MariaDB refuse writes in the transaction and cancel long statements;
    SQLite refuses writes (it has no statement timeout). Other dialects: best effort (plain
    transaction, rolled back). On PostgreSQL each statement is its own read-only transaction
    (statement mode, one round trip each) unless `snapshot` (the statements must see the same
    data: one REPEATABLE READ transaction, begun and ended in a round trip each) or `streaming`
    (the caller reads through a server-side cursor, which needs the driver's transaction).
    """
    if (
        engine.dialect.name == "postgresql"
        and engine.dialect.driver in STATEMENT_MODE_DRIVERS
        and not (streaming or snapshot)
    ):
        conn = _open_statement_mode(engine, timeout_ms, idle_ms)
    else:
        conn = _open(engine, timeout_ms, idle_ms, one_trip=not streaming, snapshot=snapshot)
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
