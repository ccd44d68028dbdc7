"""Saved data views: a user's named grid state (filters, sort, columns) for one table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, deferred, mapped_column

from dashapp.extensions import db
from dashapp.models.clock import utcnow


class SavedView(db.Model):  # type: ignore[name-defined]
    """A named grid state owned by one user; anyone with the link may open it read-only."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("owner", "table_name", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    table_name: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(80))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )
    # Set by delete: the view is gone for everyone, but its owner may undo for a few seconds.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


class ExcelExport(db.Model):  # type: ignore[name-defined]
    """One Excel export built by a background job; the row is the job's record.

    Inserted (queued) by the web tier after its checks, claimed once by the job (running),
    finished with the file (done) or a message for the user (failed).
    """

    __tablename__ = "dataview_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    table_name: Mapped[str] = mapped_column(String(120))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    columns: Mapped[list[str]] = mapped_column(JSON)
    row_limit: Mapped[int]
    rows_done: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Beaten by the job while it works: a stale beat means its worker stopped (job_rows).
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
