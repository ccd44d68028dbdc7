"""Compositor: uploaded images (kept per user) and saved composites (the gallery)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from dashapp.extensions import db
from dashapp.models.clock import utcnow


class CompositorImage(db.Model):  # type: ignore[name-defined]
    """One validated upload: the original bytes, a normalised copy where decoding the original
    costs more than its first frame (renders decode the copy, else the original) and a
    downscaled PNG preview for the browser."""

    __tablename__ = "compositor_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(10))
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Deferred: listing or checking ownership must not pull megabytes.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    # The first frame as RGBA PNG, for animations (their other frames are never decoded again).
    normalized: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    preview: Mapped[bytes] = deferred(mapped_column(LargeBinary))


class Composite(db.Model):  # type: ignore[name-defined]
    """A saved composite: its placement state (layers referencing images) and a thumbnail."""

    __tablename__ = "compositor_composites"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(120))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    thumbnail: Mapped[bytes] = deferred(mapped_column(LargeBinary))


class CompositorRender(db.Model):  # type: ignore[name-defined]
    """One full-resolution render, done by a background job; the row is the job's record.

    Inserted (queued) by the web tier after its checks, claimed once by the job (running),
    finished with the encoded bytes (done) or a message for the user (failed).
    """

    __tablename__ = "compositor_renders"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    name: Mapped[str] = mapped_column(String(160))
    format: Mapped[str] = mapped_column(String(8))
    quality: Mapped[int]
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    mimetype: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Beaten by the job while it works: a stale beat means its worker stopped (job_rows).
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
