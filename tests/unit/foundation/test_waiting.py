"""The progress-driven wait used by tests of long work (training runs)."""

from __future__ import annotations

import itertools
import time

import pytest

from tests.support.waiting import wait_while_progressing


def test_keeps_waiting_while_progress_changes() -> None:
    counter = itertools.count()
    started = time.monotonic()
    # Each step takes longer than the stall limit would allow in total, but progress moves.
    last = wait_while_progressing(
        done=lambda: time.monotonic() - started > 0.6,
        progress=lambda: next(counter),
        what="counter",
        stall_s=0.3,
        poll_s=0.05,
    )
    assert last > 3


def test_fails_fast_when_progress_stalls() -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError, match="no progress for"):
        wait_while_progressing(
            done=lambda: False, progress=lambda: "epoch 3/10", what="run", stall_s=0.3, poll_s=0.05
        )
    assert time.monotonic() - started < 2


def test_fails_past_the_ceiling_even_while_progressing() -> None:
    counter = itertools.count()
    with pytest.raises(AssertionError, match="still going after"):
        wait_while_progressing(
            done=lambda: False,
            progress=lambda: next(counter),
            what="run",
            stall_s=10,
            ceiling_s=0.3,
            poll_s=0.05,
        )
