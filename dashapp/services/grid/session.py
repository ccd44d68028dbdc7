"""Read-only connections with a statement timeout, and timeouts turned into user errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashapp.services.grid.errors import GridQueryError

# PostgreSQL's SQLSTATE for "canceling statement due to statement timeout".
QUERY_CANCELED = "57014"
# A session left idle inside one of these transactions (a stalled reader) is ended by the server.
IDLE_IN_TRANSACTION_MS = 30_000


@contextmanager
def read_connection(
    engine: Engine, timeout_ms: int, idle_ms: int = IDLE_IN_TRANSACTION_MS
) -> Iterator[Connection]:
    """A connection in a read-only transaction whose statements stop after `timeout_ms`, and
    which PostgreSQL ends when it sits idle in the transaction for `idle_ms`.

    SET LOCAL (via set_config(..., true)) ends with the transaction, so the pooled connection
    goes back to other users without our timeout.
    """
    with engine.connect() as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SET TRANSACTION READ ONLY"))
            conn.execute(
                sa.text("SELECT set_config('statement_timeout', :value, true)"),
                {"value": f"{int(timeout_ms)}ms"},
            )
            conn.execute(
                sa.text("SELECT set_config('idle_in_transaction_session_timeout', :value, true)"),
                {"value": f"{int(idle_ms)}ms"},
            )
        try:
            yield conn
        except sa.exc.OperationalError as exc:
            if is_timeout(exc):
                raise GridQueryError(
                    f"The query took longer than {timeout_ms / 1000:g} s and was stopped. "
                    "Narrow the filters and try again."
                ) from None
            raise


def is_timeout(exc: BaseException) -> bool:
    """True when a database error is a statement timeout."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "pgcode", None) == QUERY_CANCELED
