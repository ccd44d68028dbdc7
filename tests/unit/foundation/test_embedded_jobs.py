"""Embedded background jobs start from the helper process, whatever the web threads hold."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import diskcache
import psutil
import pytest

from dashapp.embedded_jobs import ZygoteDiskcacheManager

# Stands for SQLite's memory mutex: a lock some web thread may hold when a job is started.
busy = threading.Lock()


def doubled_under_lock(value: int) -> int:
    with busy:
        return value * 2


def sleeps(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[ZygoteDiskcacheManager]:
    made = ZygoteDiskcacheManager(diskcache.Cache(str(tmp_path)), expire=60)
    for name, fn in (("double", doubled_under_lock), ("sleep", sleeps)):
        made.func_registry[name] = made.make_job_fn(fn, progress=False)
    made.start_zygote()
    yield made
    made.stop_zygote()


def result_of(manager: ZygoteDiskcacheManager, key: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not manager.result_ready(key):
        assert time.monotonic() < deadline, f"job {key} produced no result in {timeout} s"
        time.sleep(0.05)
    return manager.get_result(key, None)


def test_a_job_runs_in_a_child_of_the_helper(manager: ZygoteDiskcacheManager) -> None:
    pid = manager.call_job_fn("r1", manager.func_registry["double"], [21], {})
    assert result_of(manager, "r1") == 42
    assert pid != os.getpid()
    assert psutil.Process(pid).ppid() != os.getpid() if psutil.pid_exists(pid) else True


def test_a_job_starts_while_a_web_thread_holds_a_lock(manager: ZygoteDiskcacheManager) -> None:
    # A plain fork here would copy `busy` locked, and the child would wait on it for ever.
    with busy:
        manager.call_job_fn("r2", manager.func_registry["double"], [5], {})
        time.sleep(0.5)  # the job runs (and finishes) while the lock is still held here
        assert manager.result_ready("r2")
    assert result_of(manager, "r2") == 10


def test_a_finished_job_is_not_left_as_a_zombie(manager: ZygoteDiskcacheManager) -> None:
    pid = manager.call_job_fn("r3", manager.func_registry["double"], [1], {})
    assert result_of(manager, "r3") == 2
    deadline = time.monotonic() + 10
    while manager.job_running(pid):
        assert time.monotonic() < deadline, "finished job still looks alive"
        time.sleep(0.05)


def test_cancel_kills_a_running_job(manager: ZygoteDiskcacheManager) -> None:
    pid = manager.call_job_fn("r4", manager.func_registry["sleep"], [60], {})
    time.sleep(0.3)
    assert manager.job_running(pid)
    manager.terminate_job(pid)
    assert not manager.job_running(pid)
    assert not manager.result_ready("r4")


def test_the_helper_leaves_when_its_app_goes(manager: ZygoteDiskcacheManager) -> None:
    helper = manager._zygote
    assert helper is not None and psutil.pid_exists(helper.pid)
    helper.conn.close()  # what happens when the web process exits or drops the manager
    deadline = time.monotonic() + 10
    while True:
        try:
            done, _ = os.waitpid(helper.pid, os.WNOHANG)
        except ChildProcessError:
            break
        if done:
            break
        assert time.monotonic() < deadline, "helper outlived its web process's pipe"
        time.sleep(0.05)
    manager._zygote = None


def test_jobs_still_start_after_the_helper_died(manager: ZygoteDiskcacheManager) -> None:
    helper = manager._zygote
    assert helper is not None
    os.kill(helper.pid, signal.SIGKILL)
    os.waitpid(helper.pid, 0)
    manager.call_job_fn("r5", manager.func_registry["double"], [4], {})
    assert result_of(manager, "r5") == 8
    assert manager._zygote is None  # later jobs fork the web process directly


def test_a_helper_that_cannot_prove_sqlite_usable_is_forked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper forked while another thread held one of SQLite's locks hangs in its proof of
    life (as every job of it would): it is killed and a fresh helper serves the jobs."""
    from dashapp import embedded_jobs

    marker = tmp_path / "first-helper-forked"
    real_proof = embedded_jobs._prove_sqlite_usable

    def stuck_in_the_first_helper() -> None:
        if not marker.exists():
            marker.touch()
            time.sleep(3600)  # as a lock held at the fork would keep it
        real_proof()

    monkeypatch.setattr(embedded_jobs, "_prove_sqlite_usable", stuck_in_the_first_helper)
    monkeypatch.setattr(embedded_jobs, "READY_TIMEOUT_S", 1.0)
    made = ZygoteDiskcacheManager(diskcache.Cache(str(tmp_path / "cache")), expire=60)
    made.func_registry["double"] = made.make_job_fn(doubled_under_lock, progress=False)
    made.start_zygote()
    try:
        assert marker.exists()  # the first helper did hang
        assert made in embedded_jobs.live_helpers()  # and a second one serves
        made.call_job_fn("r9", made.func_registry["double"], [4], {})
        assert result_of(made, "r9") == 8
    finally:
        made.stop_zygote()
