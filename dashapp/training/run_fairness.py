"""Fair order on the training queue: one user's many runs do not starve another user's one.

Each run's job goes to the broker with a priority: how many runs its owner already has
queued or running (older than it), capped at the last level. Redis keeps one list per
priority and a worker takes from the first non-empty one, so every user's first run goes
ahead of every user's second run, and so on: with 64 runs of one user queued, another user's
run waits for at most the run already running (per worker), not for the 64.

The alternative, holding runs back in the web tier and releasing them as others end, needs a
dispatcher for the browser's own background jobs too; priorities cover both ways a run is
queued (the page's job and `run_queue.enqueue_runs`) with no new moving part.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from dashapp.extensions import db
from dashapp.jobs.celery_apps import PRIORITY_LEVELS
from dashapp.models.training import ACTIVE_STATUSES, RunStatus, TrainingRun

# kombu's Redis transport knows priorities 0 (taken first) to 9; one list each.


def fair_priority(run_id: int) -> int:
    """The broker priority for run `run_id`'s job: its owner's older active runs, capped."""
    owner = db.session.scalar(select(TrainingRun.owner).where(TrainingRun.id == run_id))
    if owner is None:
        return 0  # the job will find no run and end at once
    ahead = db.session.scalar(
        select(func.count())
        .select_from(TrainingRun)
        .where(
            TrainingRun.owner == owner,
            TrainingRun.status.in_(ACTIVE_STATUSES),
            TrainingRun.id < run_id,
        )
    )
    return min(int(ahead or 0), PRIORITY_LEVELS - 1)


def job_run_id(args: Any) -> int | None:
    """The run id among a training background job's arguments (its one input, the launch
    store `{"run_id": ...}`), or None when it carries none."""
    first = args[0] if isinstance(args, list | tuple) and args else args
    value = first.get("run_id") if isinstance(first, dict) else None
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def job_priority(args: Any) -> int:
    """The priority for a background job with these arguments (0 without a run)."""
    run_id = job_run_id(args)
    return 0 if run_id is None else fair_priority(run_id)


def queue_position(run: TrainingRun) -> int:
    """1 for the next queued run to start, 2 for the one after it, ... in the fair order
    (an estimate: a job keeps the priority it was sent with, while the counts move on)."""
    rows = db.session.execute(
        select(TrainingRun.id, TrainingRun.owner, TrainingRun.status)
        .where(TrainingRun.status.in_(ACTIVE_STATUSES))
        .order_by(TrainingRun.id)
    ).all()
    seen: Counter[str] = Counter()
    keys: dict[int, tuple[int, int]] = {}  # queued run -> (priority, id): the order taken
    for run_id, owner, status in rows:
        if status == RunStatus.QUEUED:
            keys[run_id] = (min(seen[owner], PRIORITY_LEVELS - 1), run_id)
        seen[owner] += 1
    mine = keys.get(run.id)
    return 1 if mine is None else sum(1 for key in keys.values() if key < mine) + 1
