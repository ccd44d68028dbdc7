"""Threads handed out in turn among users (dashapp.web.fair_queue)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dashapp.web.fair_queue import FairQueue


def test_another_users_request_runs_at_the_next_free_thread_however_many_wait_ahead() -> None:
    queue: FairQueue[str] = FairQueue(slots=4, per_key=3)
    for index in range(32):
        queue.add("mallory", f"search {index}")
    queue.add("victor", "grid block")
    started = [key for key, _ in filter(None, [queue.take() for _ in range(4)])]
    # Victor's turn comes right after mallory's first; mallory may hold 3 of the 4 threads.
    assert started == ["mallory", "victor", "mallory", "mallory"]
    assert queue.take() is None  # every thread busy


def test_users_take_turns_as_threads_free() -> None:
    queue: FairQueue[int] = FairQueue(slots=1, per_key=1)
    for index in range(3):
        queue.add("a", index)
    queue.add("b", 10)
    queue.add("c", 20)
    order = []
    while (taken := queue.take()) is not None:
        order.append(taken)
        queue.done(taken[0])
    assert order == [("a", 0), ("b", 10), ("c", 20), ("a", 1), ("a", 2)]


@given(
    st.integers(1, 8),
    st.integers(1, 8),
    st.lists(st.tuples(st.sampled_from("abcde"), st.booleans()), max_size=200),
)
def test_never_over_the_thread_or_per_user_bounds_and_nothing_is_lost(
    slots: int, per_key: int, steps: list[tuple[str, bool]]
) -> None:
    queue: FairQueue[int] = FairQueue(slots, per_key)
    running: list[str] = []
    added = finished = 0
    for key, finish_one in steps:
        if finish_one and running:
            queue.done(running.pop(0))
            finished += 1
        else:
            queue.add(key, added)
            added += 1
        while (taken := queue.take()) is not None:
            running.append(taken[0])
        assert len(running) <= slots
        assert all(running.count(k) <= queue.per_key for k in set(running))
        assert (
            sum(len(items) for items in queue._waiting.values()) + len(running) + finished == added
        )
        # Work-conserving: a waiting item stays waiting only while no one may run it.
        if sum(len(items) for items in queue._waiting.values()):
            assert len(running) == slots or all(
                running.count(k) >= queue.per_key for k in queue._waiting
            )
