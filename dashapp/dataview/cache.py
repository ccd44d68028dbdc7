"""A small thread-safe LRU cache with a time-to-live, owned by one app (never module-global)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class TTLCache:
    """Least-recently-used entries expire after `ttl` seconds; at most `size` entries are kept."""

    def __init__(self, size: int = 512, ttl: float = 120.0) -> None:
        self._size = size
        self._ttl = ttl
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def ttl(self) -> float:
        """Seconds an entry lives."""
        return self._ttl

    def get(self, key: Hashable) -> Any | None:
        """The cached value, or None when missing or expired."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            stored_at, value = item
            if time.monotonic() - stored_at > self._ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return value

    def set(self, key: Hashable, value: Any) -> None:
        """Store `value`, evicting the least recently used entry when full."""
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for `key`, computing and storing it on a miss."""
        value = self.get(key)
        if value is None:
            value = compute()
            self.set(key, value)
        return value

    def clear(self) -> None:
        """Forget everything (after data changes)."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
