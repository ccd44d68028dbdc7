"""Bounds on one render job in its own process: memory (an address-space limit), SIGTERM, and
its CPU priority below the web processes'.

A render runs in a job process (a Celery prefork child, or the embedded helper's forked child)
that does one job at a time, so a process-wide limit set for the length of the job bounds that
job alone. Both are undone when the job ends, so the process can take the next job.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

try:  # POSIX only; elsewhere the memory bound is not applied
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]


class JobTerminated(Exception):
    """The job process was asked to stop (SIGTERM: a cancel, or the worker shutting down)."""


def _address_space_bytes() -> int | None:
    """This process's current virtual memory size (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextlib.contextmanager
def memory_budget(megabytes: float) -> Iterator[None]:
    """Allow the process at most `megabytes` more address space while inside the block.

    An allocation past it fails with MemoryError (Pillow and numpy raise it) instead of the
    machine swapping or the kernel's OOM killer taking the worker down. The limit counts from
    the process's size now, so the imported libraries (large virtual reservations) don't count.
    """
    now = _address_space_bytes()
    if resource is None or now is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = now + int(megabytes * 1024 * 1024)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into JobTerminated inside the block, so the job can record how it ended.

    Without this a terminated render's process dies at once and its row stays "running". Only
    the main thread may set handlers; elsewhere (a thread pool) the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(_signum: int, _frame: FrameType | None) -> None:
        raise JobTerminated()

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def lower_priority(nice: int) -> None:
    """Raise the calling thread's nice value to `nice` (never lowers it; 0 leaves it alone).

    On a host that also runs web processes, a render (several CPU-bound threads) then takes only
    the CPU they leave: the scheduler weighs nice 10 about a tenth of nice 0. On Linux the nice
    value is per thread and inherited by threads started later (the render's band threads).
    It cannot be lowered back without privilege, so a Celery prefork child that ran a render
    keeps it for its later jobs, which only makes background jobs yield to the web tier too.
    """
    if nice <= 0 or not hasattr(os, "getpriority"):
        return
    with contextlib.suppress(OSError):
        if os.getpriority(os.PRIO_PROCESS, 0) < nice:
            os.setpriority(os.PRIO_PROCESS, 0, nice)
