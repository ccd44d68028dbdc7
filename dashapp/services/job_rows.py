"""Rows that stand for background jobs (renders, Excel exports): claimed once by the job."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import update

from dashapp.extensions import db
from dashapp.models.training import utcnow

Row = TypeVar("Row")


def claim_queued(model: type[Row], row_id: int) -> Row | None:
    """Mark a queued row running; None if it is not queued (a job runs once, never twice).

    One conditional UPDATE, so two deliveries of the same job cannot both claim it.
    """
    table: Any = model  # the job models share id, status and started_at columns
    claimed = db.session.execute(
        update(table)
        .where(table.id == row_id, table.status == "queued")
        .values(status="running", started_at=utcnow())
    )
    db.session.commit()
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return None
    return db.session.get(model, row_id)


def owns_queued(model: type[Any], owner: str, row_id: Any) -> bool:
    """True when `row_id` is `owner`'s row waiting for its job: the web tier's guard before a
    job request reaches the broker (anything else — forged, foreign, finished — is refused)."""
    if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 < row_id < 2**63:
        return False  # past 2**63 SQLite's driver overflows: no row has such an id
    row = db.session.get(model, row_id)
    return row is not None and row.owner == owner and row.status == "queued"
