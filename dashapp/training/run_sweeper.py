"""The periodic lost-run sweep: runs whose worker died, and queued runs no worker ever took.

Called by one periodic job (Celery beat in production, one lock-holding thread in the embedded
mode: see dashapp/periodic.py), never by reads. Each call is one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, exists, false, func, or_, select, update
from sqlalchemy.orm import aliased

from dashapp.extensions import db
from dashapp.models.training import RunStatus, TrainingRun, utcnow
from dashapp.settings import current_settings


@dataclass(frozen=True)
class SweepResult:
    """How many runs one sweep marked."""

    lost: int = 0
    cancelled: int = 0
    never_started: int = 0


def sweep_dead_workers(lost_after_s: float, max_run_s: float | None = None) -> tuple[int, int]:
    """Running runs with no heartbeat for `lost_after_s` become lost (cancelled when a cancel
    was asked; failed when they had run past `max_run_s`: Celery's hard limit killed the job
    the worker could not stop); their ETA goes, so the page stops showing stale progress.
    (lost or failed, cancelled)."""
    now = utcnow()
    cutoff = now - dt.timedelta(seconds=lost_after_s)
    overran = (
        TrainingRun.started_at < now - dt.timedelta(seconds=max_run_s)
        if max_run_s is not None
        else false()
    )
    stale = (TrainingRun.status == RunStatus.RUNNING) & (
        (TrainingRun.heartbeat_at < cutoff) | TrainingRun.heartbeat_at.is_(None)
    )
    asked = db.session.scalar(
        select(func.count()).select_from(TrainingRun).where(stale, TrainingRun.cancel_requested)
    )
    result = db.session.execute(
        update(TrainingRun)
        .where(stale)
        .values(
            status=case(
                (TrainingRun.cancel_requested, RunStatus.CANCELLED.value),
                (overran, RunStatus.FAILED.value),
                else_=RunStatus.LOST.value,
            ),
            finished_at=now,
            eta_s=None,
            error=case(
                (TrainingRun.cancel_requested, None),
                (
                    overran,
                    f"The worker stopped it: it passed the time limit of {max_run_s or 0:g} s "
                    "(DASHAPP_TRAINING_MAX_RUN_S) and did not stop, so its job was killed.",
                ),
                else_=f"No heartbeat from the worker for over {lost_after_s:g} s: it died.",
            ),
        )
        .execution_options(synchronize_session=False)
    )
    total = int(getattr(result, "rowcount", 0) or 0)
    return total - int(asked or 0), int(asked or 0)


def sweep_never_started(queued_timeout_s: float) -> int:
    """Queued runs older than `queued_timeout_s` while the queue showed no life become lost.

    No life: no run is running, and none started or finished in the last `queued_timeout_s`.
    A worker with a free slot takes the oldest message at once, so a run that waited that long
    with nothing moving never reached a worker: none serves the queue, its message was lost, or
    the browser went away before sending the job. Behind a busy worker (a long run, or a sweep
    working through its runs) something always ran or finished recently, so nothing is marked,
    even in the instant between one run's end and the next one's start.
    """
    now = utcnow()
    cutoff = now - dt.timedelta(seconds=queued_timeout_s)
    other = aliased(TrainingRun)
    alive = exists().where(
        or_(
            other.status == RunStatus.RUNNING,
            other.started_at > cutoff,
            (other.finished_at > cutoff) & other.started_at.is_not(None),
        )
    )
    result = db.session.execute(
        update(TrainingRun)
        .where(TrainingRun.status == RunStatus.QUEUED, TrainingRun.created_at < cutoff, ~alive)
        .values(
            status=RunStatus.LOST.value,
            finished_at=now,
            eta_s=None,
            error=(
                f"No worker started this run within {queued_timeout_s:g} s: no worker serves "
                "the training queue, or its job never reached one. Re-run it once a worker is up."
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def sweep() -> SweepResult:
    """One sweep with the app's settings (inside an app context); commits."""
    settings = current_settings()
    try:
        lost, cancelled = sweep_dead_workers(
            settings.training_lost_after_s, settings.training_max_run_s
        )
        never = sweep_never_started(settings.training_queued_timeout_s)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return SweepResult(lost, cancelled, never)
