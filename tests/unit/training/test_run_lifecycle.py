"""The run lifecycle policy, decided for every status (no Dash, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from dashapp.recipes.status import RunStatus
from dashapp.training.run_lifecycle import Decisions, RunState, decide

NOW = dt.datetime(2026, 11, 23, 12, 0, 0)
GRACE = 15.0
ACTIVE = [RunStatus.QUEUED, RunStatus.RUNNING]
FINAL = [RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.LOST]


def test_every_status_is_either_active_or_final() -> None:
    assert set(ACTIVE) | set(FINAL) == set(RunStatus) and not set(ACTIVE) & set(FINAL)


@pytest.mark.parametrize("status", list(RunStatus))
def test_an_owner_sees_the_controls_the_status_allows(status: RunStatus) -> None:
    owner = decide(RunState(status, may_control=True, may_launch=True), NOW, GRACE)
    assert owner.can_cancel is status.is_active
    assert owner.can_rerun is status.is_final
    assert owner.can_manage is True
    assert owner.can_delete is status.is_final  # a live job still writes to its row
    assert owner.progress_animated is (status is RunStatus.RUNNING)
    assert owner.show_queue is (status is RunStatus.QUEUED)
    assert owner.clear_job_progress is status.is_final
    assert owner.kill_job is False and owner.release_job is False


@pytest.mark.parametrize("status", list(RunStatus))
def test_a_viewer_controls_nothing(status: RunStatus) -> None:
    viewer = decide(RunState(status), NOW, GRACE)
    assert not (viewer.can_cancel or viewer.can_rerun or viewer.can_manage or viewer.can_delete)


@pytest.mark.parametrize("status", list(RunStatus))
def test_another_trainer_may_rerun_a_finished_run_but_not_control_it(status: RunStatus) -> None:
    other = decide(RunState(status, may_launch=True), NOW, GRACE)
    assert other.can_rerun is status.is_final
    assert not (other.can_cancel or other.can_manage or other.can_delete)


@pytest.mark.parametrize("status", list(RunStatus))
def test_the_job_is_killed_only_for_a_running_run_past_the_cancel_grace(
    status: RunStatus,
) -> None:
    def asked(seconds_ago: float) -> Decisions:
        at = NOW - dt.timedelta(seconds=seconds_ago)
        state = RunState(status, cancel_requested=True, cancel_requested_at=at, may_control=True)
        return decide(state, NOW, GRACE)

    assert asked(GRACE - 1).kill_job is False
    assert asked(GRACE + 1).kill_job is (status is RunStatus.RUNNING)
    assert asked(GRACE + 1).can_cancel is False  # asked once already


@pytest.mark.parametrize("status", list(RunStatus))
def test_the_browser_stops_polling_only_a_lost_runs_dead_job(status: RunStatus) -> None:
    tracked = decide(RunState(status, job_tracked=True), NOW, GRACE)
    untracked = decide(RunState(status, job_tracked=False), NOW, GRACE)
    assert tracked.release_job is (status is RunStatus.LOST)
    assert untracked.release_job is False
