"""Fork safety for PyTorch's CPU thread pool.

A process forked after its parent ran parallel torch ops inherits a dead OpenMP pool: the child's
first parallel op hangs for ever. The embedded job manager forks the web process (and tests fork
pytest), so a child of a process that used torch runs single-threaded instead.
"""

from __future__ import annotations

import os

import torch

_used_in_pid: int | None = None


def mark_torch_used() -> None:
    """Record that this process ran torch ops (its pool threads now exist)."""
    global _used_in_pid
    _used_in_pid = os.getpid()


def make_fork_safe() -> None:
    """Call first thing in a job: one thread when forked from a process that had used torch."""
    if _used_in_pid is not None and _used_in_pid != os.getpid():
        torch.set_num_threads(1)
    mark_torch_used()
