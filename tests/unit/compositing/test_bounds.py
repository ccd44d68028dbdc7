"""A render's CPU priority: raised for the calling thread and the threads it starts, never
lowered, and the rest of the process untouched (Linux keeps nice values per thread)."""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from dashapp.compositing.bounds import lower_priority

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice is Linux's")


def _in_thread(target_nice: int) -> tuple[int, int, int]:
    """(nice after lower_priority, nice of a pool thread started after it, nice after 0)."""
    seen: list[int] = []

    def job() -> None:
        lower_priority(target_nice)
        seen.append(os.getpriority(os.PRIO_PROCESS, 0))
        with ThreadPoolExecutor(max_workers=1) as pool:
            seen.append(pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result())
        lower_priority(0)  # never lowers
        seen.append(os.getpriority(os.PRIO_PROCESS, 0))

    thread = threading.Thread(target=job)
    thread.start()
    thread.join()
    return seen[0], seen[1], seen[2]


def test_render_thread_yields_the_cpu_and_the_rest_of_the_process_does_not() -> None:
    before = os.getpriority(os.PRIO_PROCESS, 0)
    target = min(19, before + 5)
    assert _in_thread(target) == (target, target, target)
    assert os.getpriority(os.PRIO_PROCESS, 0) == before  # this (web) thread is untouched
