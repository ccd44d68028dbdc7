"""Training runs, their per-step metric points and their artifacts (stored in the database)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from dashapp.extensions import db
from dashapp.models.clock import utcnow
from dashapp.recipes.status import ACTIVE_STATUSES, FINAL_STATUSES, RunStatus

__all__ = [
    "ACTIVE_STATUSES",
    "FINAL_STATUSES",
    "RunArtifact",
    "RunPoint",
    "RunStatus",
    "RunTag",
]


class TrainingRun(db.Model):  # type: ignore[name-defined]
    """One training run: a row first, then a job that keeps it up to date."""

    __tablename__ = "training_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default=RunStatus.QUEUED.value)
    recipe: Mapped[str] = mapped_column(String(40), index=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    rerun_of: Mapped[int | None] = mapped_column(default=None)
    # The sweep that launched this run, if any (dashapp/models/sweeps.py).
    sweep_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_sweeps.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Progress of the running job, as the recipe reports it (ctx.progress(done, total)).
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    percent: Mapped[float] = mapped_column(default=0.0)
    eta_s: Mapped[float | None] = mapped_column(default=None)
    # Cancelling from any session: the loop polls this flag every step.
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    cancel_requested_by: Mapped[str | None] = mapped_column(String(200), default=None)
    cancel_requested_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Where and how it ran.
    device: Mapped[str | None] = mapped_column(String(20), default=None)
    device_name: Mapped[str | None] = mapped_column(String(200), default=None)
    worker_host: Mapped[str | None] = mapped_column(String(200), default=None)
    amp: Mapped[str | None] = mapped_column(String(20), default=None)
    samples_per_s: Mapped[float | None] = mapped_column(default=None)
    peak_memory_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # The last value of every metric the run logged (what the grid and comparisons show).
    summary: Mapped[dict[str, float] | None] = mapped_column(JSON, default=None)
    timings: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    environment: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    code_version: Mapped[str | None] = mapped_column(String(64), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    log: Mapped[str] = mapped_column(Text, default="")
    # Run management: a name and notes of the owner's, tags, and archiving (hidden by default).
    name: Mapped[str | None] = mapped_column(String(120), default=None)
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    archived_at: Mapped[dt.datetime | None] = mapped_column(default=None, index=True)

    points: Mapped[list[RunPoint]] = relationship(
        back_populates="run",
        cascade="all, delete-orphan",
        order_by="(RunPoint.name, RunPoint.step)",
        passive_deletes=True,
    )
    artifacts: Mapped[list[RunArtifact]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="RunArtifact.id"
    )
    # selectin: the runs grid shows every row's tags without a query per row.
    tag_rows: Mapped[list[RunTag]] = relationship(
        cascade="all, delete-orphan", order_by="RunTag.tag", lazy="selectin", passive_deletes=True
    )

    @property
    def tags(self) -> list[str]:
        """The run's tags, sorted."""
        return [t.tag for t in self.tag_rows]

    @property
    def archived(self) -> bool:
        """Hidden from the runs list unless archived runs are shown."""
        return self.archived_at is not None

    @property
    def is_active(self) -> bool:
        """Queued or running."""
        return self.status in ACTIVE_STATUSES

    def metric(self, name: str) -> float | None:
        """The last logged value of metric `name`."""
        return (self.summary or {}).get(name)

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to finish (or to the last heartbeat while running)."""
        end = self.finished_at or self.heartbeat_at
        if self.started_at is None or end is None:
            return None
        return (end - self.started_at).total_seconds()


class RunTag(db.Model):  # type: ignore[name-defined]
    """One tag on a run (a row per tag, so filtering by tag is an indexed lookup)."""

    __tablename__ = "training_run_tags"
    __table_args__ = (UniqueConstraint("run_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("training_runs.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(40), index=True)


class RunPoint(db.Model):  # type: ignore[name-defined]
    """One logged value: metric `name` of a run at `step`."""

    __tablename__ = "training_run_points"
    __table_args__ = (Index("ix_training_run_points_run_id", "run_id", "name", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("training_runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    step: Mapped[int]
    value: Mapped[float]

    run: Mapped[TrainingRun] = relationship(back_populates="points")


class RunArtifact(db.Model):  # type: ignore[name-defined]
    """A file a run produced (PNG, checkpoint); bytes live here as web and worker share no disk."""

    __tablename__ = "training_run_artifacts"
    __table_args__ = (UniqueConstraint("run_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("training_runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Deferred: listing a run's artifacts must not pull every checkpoint's bytes.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    run: Mapped[TrainingRun] = relationship(back_populates="artifacts")
