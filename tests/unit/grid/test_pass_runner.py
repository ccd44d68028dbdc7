"""The data view's background pass thread: one per process, jobs in turn, survives a fork."""

from __future__ import annotations

import os
import threading

from dashapp.dataview.pass_runner import PassRunner


def _pass_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "test-passes"]


def test_jobs_run_in_turn_on_one_thread_and_a_failing_job_stops_nothing() -> None:
    runner = PassRunner(name="test-passes")
    ran: list[tuple[int, str]] = []
    done = threading.Event()

    def failing() -> None:
        raise RuntimeError("a pass that fails")

    def note(n: int) -> None:
        ran.append((n, threading.current_thread().name))

    before = len(_pass_threads())
    for n in range(3):
        runner.submit(lambda n=n: note(n))  # type: ignore[misc]
    runner.submit(failing)
    runner.submit(lambda: note(3))
    runner.submit(done.set)
    assert done.wait(5)
    assert ran == [(n, "test-passes") for n in range(4)]
    runner.ensure_started()  # started already: no second thread
    assert len(_pass_threads()) == before + 1


def test_a_forked_process_gets_its_own_thread() -> None:
    runner = PassRunner(name="test-passes")
    runner.ensure_started()  # as gunicorn's master would with preload_app
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: the parent's thread does not exist here
        try:
            finished = threading.Event()
            runner.submit(finished.set)
            os.write(write, b"ran" if finished.wait(5) else b"lost")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 16)
    os.waitpid(child, 0)
    assert answer == b"ran"
