"""The one vocabulary of run statuses, used by the job, the services and the page."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """Where a run is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    LOST = "lost"

    @property
    def is_active(self) -> bool:
        """Queued or running: a job may still change it."""
        return self in ACTIVE_STATUSES

    @property
    def is_final(self) -> bool:
        """Nothing changes a run in this status any more."""
        return not self.is_active


ACTIVE_STATUSES = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})
FINAL_STATUSES = frozenset(RunStatus) - ACTIVE_STATUSES
