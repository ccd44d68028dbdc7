"""Saved data views: a user's named grid state (filters, sort, columns) for one table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from dashapp.extensions import db


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
