"""Rows that stand for background jobs (renders, Excel exports): claimed once by the job, beaten
on while it works, finished whatever happens.

Why a heartbeat: the row is the only record of a job (Dash keeps the job in the browser's
memory; Celery reports a lost task as PENDING or STARTED forever), so a worker killed by its
hard time limit, the OOM killer or a restart would leave the row `running` and its owner's slot
taken. A beat from a thread of the job's own process stops exactly when that process stops, on
Celery and in the embedded mode alike; the same shape as training runs (run_recorder).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, update

from dashapp.extensions import db
from dashapp.models.training import utcnow

Row = TypeVar("Row")
log = logging.getLogger(__name__)
LOST_MESSAGE = (
    "The job stopped: the worker building it stopped working on it (restarted, out of memory "
    "or killed). Try again."
)


def claim_queued(model: type[Row], row_id: int) -> Row | None:
    """Mark a queued row running; None if it is not queued (a job runs once, never twice).

    One conditional UPDATE, so two deliveries of the same job cannot both claim it.
    """
    table: Any = model  # the job models share id, status, started_at and heartbeat_at columns
    now = utcnow()
    claimed = db.session.execute(
        update(table)
        .where(table.id == row_id, table.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=now)
    )
    db.session.commit()
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return None
    return db.session.get(model, row_id)


@contextmanager
def heartbeat(model: type[Any], row_id: int, every_s: float) -> Iterator[None]:
    """Beat on the running row every `every_s` from a thread while the block runs."""
    table: Any = model
    engine = db.engine  # the thread has no app context: it uses its own connections
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every_s):
            try:
                with engine.begin() as conn:
                    conn.execute(
                        update(table)
                        .where(table.id == row_id, table.status == "running")
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # noqa: BLE001 - a missed beat is retried; never kill the job
                log.warning("job row %s %s: a heartbeat failed", table.__tablename__, row_id)

    thread = threading.Thread(target=beat, name=f"beat-{table.__tablename__}-{row_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every_s + 5)


def finish(model: type[Any], row_id: int, status: str, error: str | None, **values: Any) -> bool:
    """Record a running row's end (whatever the session went through); False if it had
    stopped running meanwhile (cancelled, or ended as lost), which then stays."""
    table: Any = model
    db.session.rollback()  # nothing half-done of the job's own goes with it
    ended = db.session.execute(
        update(table)
        .where(table.id == row_id, table.status == "running")
        .values(status=status, error=error[:500] if error else None, finished_at=utcnow(), **values)
    )
    db.session.commit()
    return bool(ended.rowcount)  # type: ignore[attr-defined]


def end_lost(
    model: type[Any], owner: str, lost_after_s: float, over_after: dt.timedelta | None = None
) -> int:
    """Mark `owner`'s running rows failed whose job no longer beats (or, with `over_after`,
    that ran that long: a job stuck past every limit); how many. The caller commits."""
    table: Any = model
    now = utcnow()
    silent = func.coalesce(table.heartbeat_at, table.started_at) < now - dt.timedelta(
        seconds=lost_after_s
    )
    stuck = table.started_at < now - over_after if over_after is not None else silent
    ended = db.session.execute(
        update(table)
        .where(table.owner == owner, and_(table.status == "running", or_(silent, stuck)))
        .values(status="failed", error=LOST_MESSAGE, finished_at=now)
    )
    return int(ended.rowcount or 0)  # type: ignore[attr-defined]


def owns_queued(model: type[Any], owner: str, row_id: Any) -> bool:
    """True when `row_id` is `owner`'s row waiting for its job: the web tier's guard before a
    job request reaches the broker (anything else — forged, foreign, finished — is refused)."""
    if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 < row_id < 2**63:
        return False  # past 2**63 SQLite's driver overflows: no row has such an id
    row = db.session.get(model, row_id)
    return row is not None and row.owner == owner and row.status == "queued"
