"""Per-user locks that make "count, then insert" limits hold across web processes."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import text, update

from dashapp.extensions import db


def lock_user(scope: str, username: str, table: Any) -> None:
    """Serialise `username`'s `scope` actions until the current transaction ends.

    Without it a limit checked by counting rows is check-then-insert: concurrent requests all
    read the same count and all pass. PostgreSQL: a transaction-scoped advisory lock per user
    and scope. SQLite: a no-op write to `table` (a model with `id` and `owner`) takes the
    database's write lock (SQLite serialises writers). The caller commits or rolls back.
    """
    if db.engine.dialect.name == "postgresql":
        digest = hashlib.blake2b(f"{scope}:{username}".encode(), digest_size=8).digest()
        key = int.from_bytes(digest, "big", signed=True)
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        db.session.execute(update(table).where(table.id == -1).values(owner=""))
