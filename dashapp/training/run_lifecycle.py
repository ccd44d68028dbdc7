"""The run lifecycle policy: from a run's state, what may happen to it and what the page does.

Dash-free and database-free: the panel draws these decisions and the services enforce the
same rules on the server (runs.can_control, runs.request_cancel).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashapp.recipes.status import RunStatus


@dataclass(frozen=True)
class RunState:
    """What the policy looks at: the run's status and flags, and who is asking."""

    status: RunStatus
    cancel_requested: bool = False
    cancel_requested_at: dt.datetime | None = None
    # The asker owns the run or is an admin (and is a trainer): may cancel, rename, delete it.
    may_control: bool = False
    # The asker may start runs (trainer or admin): may re-run it.
    may_launch: bool = False
    # This browser still tracks the run's background job (its launch store holds the run).
    job_tracked: bool = False


@dataclass(frozen=True)
class Decisions:
    """What the run panel shows and does for one run state."""

    can_cancel: bool
    can_rerun: bool
    can_manage: bool  # rename, tag, note, archive, delete
    can_delete: bool
    kill_job: bool  # the cancel grace is over and it still runs: kill the job (Dash's cancel)
    release_job: bool  # the run ended without its job (lost): stop polling the dead job
    progress_animated: bool
    show_queue: bool  # look up the queue's workers and the run's position
    clear_job_progress: bool  # the job's last progress line is stale once the run is over


def decide(state: RunState, now: dt.datetime, cancel_grace_s: float) -> Decisions:
    """The decisions for `state` at `now` (naive UTC, as the rows keep it)."""
    status = state.status
    waited = (
        (now - state.cancel_requested_at).total_seconds()
        if state.cancel_requested and state.cancel_requested_at is not None
        else None
    )
    return Decisions(
        can_cancel=state.may_control and status.is_active and not state.cancel_requested,
        can_rerun=state.may_launch and status.is_final,
        can_manage=state.may_control,
        # A running job keeps writing to its row: cancel first, delete once it ended.
        can_delete=state.may_control and status.is_final,
        kill_job=status is RunStatus.RUNNING and waited is not None and waited > cancel_grace_s,
        release_job=status is RunStatus.LOST and state.job_tracked,
        progress_animated=status is RunStatus.RUNNING,
        show_queue=status is RunStatus.QUEUED,
        clear_job_progress=status.is_final,
    )
