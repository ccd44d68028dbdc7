"""Round-robin hand-out of a web process's threads among the users waiting for one.

gthread queues complete requests for its threads first come, first served: 32 requests from one
user ahead of another user's one made that one wait for all 32 (issue 21). Here each user
(`key`) has a queue of their own; a free thread goes to the next user in turn who has a request
waiting and fewer than `per_key` running, so one user can never hold every thread and another
user's request waits for at most one turn.
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from typing import Generic, TypeVar

T = TypeVar("T")


class FairQueue(Generic[T]):
    """Waiting work per key, handed out in turn, at most `slots` running and `per_key` each."""

    def __init__(self, slots: int, per_key: int) -> None:
        self.slots = slots
        self.per_key = max(1, min(per_key, slots))
        self.running: Counter[str] = Counter()
        self._waiting: OrderedDict[str, deque[T]] = OrderedDict()

    def add(self, key: str, item: T) -> None:
        """Queue `item` behind `key`'s other waiting work."""
        self._waiting.setdefault(key, deque()).append(item)

    def take(self) -> tuple[str, T] | None:
        """The next item to run, counted as running until `done`; None if none may run now."""
        if self.running.total() >= self.slots:
            return None
        for key, items in self._waiting.items():
            if self.running[key] >= self.per_key:
                continue
            item = items.popleft()
            if items:
                self._waiting.move_to_end(key)  # their next request waits for everyone's turn
            else:
                del self._waiting[key]
            self.running[key] += 1
            return key, item
        return None

    def done(self, key: str) -> None:
        """One of `key`'s items finished running."""
        self.running[key] -= 1
        if self.running[key] <= 0:
            del self.running[key]
