"""Waits derived from what they wait for: progress resets the clock, a stall fails the test.

A fixed limit ("succeeded within 120 s") fails a correct run on a loaded CI box and hides a
stuck one for the whole limit. These waits follow the thing itself: while its progress keeps
changing they keep waiting (up to a generous ceiling); when it stops changing for `stall_s`
they fail at once, saying what it was stuck at.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_while_progressing(
    done: Callable[[], bool],
    progress: Callable[[], T],
    *,
    what: str,
    stall_s: float = 60.0,
    ceiling_s: float = 900.0,
    poll_s: float = 0.25,
) -> T:
    """Wait until `done()`; fail if `progress()` stays the same for `stall_s` or past the ceiling.

    Returns the last progress value seen.
    """
    started = last_change = time.monotonic()
    last = progress()
    while not done():
        now = time.monotonic()
        current = progress()
        if current != last:
            last, last_change = current, now
        assert now - last_change < stall_s, f"{what}: no progress for {stall_s:.0f} s at {last!r}"
        assert now - started < ceiling_s, f"{what}: still going after {ceiling_s:.0f} s at {last!r}"
        time.sleep(poll_s)
    return last
