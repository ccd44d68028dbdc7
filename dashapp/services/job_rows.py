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
