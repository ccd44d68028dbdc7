"""Per-user caps on work in progress (exports, data-view queries): in Redis across web
processes, else in this process."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import redis

log = logging.getLogger(__name__)

# Atomic take-a-slot: drop expired leases, refuse at the cap, else add ours (expiry as score).
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1] + ARGV[4], ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[4])))
return 1
"""


class SlotsBusy(Exception):
    """The user already has as much of this work in progress as allowed."""


@dataclass
class UserSlots:
    """Leases on one kind of per-user slot; a lease lasts until released or `lease_s` passes
    (a crashed process). `busy_message` is what the user is told at the cap."""

    kind: str
    cap: int
    lease_s: float
    busy_message: str
    redis_url: str | None = None
    _client: Any = field(default=None, init=False, repr=False)
    _local: Counter[str] = field(default_factory=Counter, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def acquire(self, user: str) -> Callable[[], None]:
        """Take one of `user`'s slots; returns the release function. SlotsBusy at the cap."""
        if self.redis_url:
            try:
                return self._acquire_shared(user)
            except redis.RedisError as exc:
                # Nothing else here needs Redis: fall back to this process's count.
                log.warning("%s slots: Redis unavailable (%s); counting locally", self.kind, exc)
        return self._acquire_local(user)

    @contextmanager
    def held(self, user: str) -> Iterator[None]:
        """One of `user`'s slots for the duration of a `with` block; SlotsBusy at the cap."""
        release = self.acquire(user)
        try:
            yield
        finally:
            release()

    def _acquire_shared(self, user: str) -> Callable[[], None]:
        if self._client is None:
            self._client = redis.Redis.from_url(
                self.redis_url or "", socket_connect_timeout=1, socket_timeout=2
            )
        key, lease = f"dashapp:{self.kind}-slots:{user}", uuid.uuid4().hex
        taken = self._client.eval(_ACQUIRE, 1, key, time.time(), self.cap, lease, self.lease_s)
        if not taken:
            raise SlotsBusy(self.busy_message)
        client = self._client

        def release() -> None:
            try:
                client.zrem(key, lease)
            except redis.RedisError:
                log.warning("%s slots: could not release a lease; it expires", self.kind)

        return release

    def _acquire_local(self, user: str) -> Callable[[], None]:
        with self._lock:
            if self._local[user] >= self.cap:
                raise SlotsBusy(self.busy_message)
            self._local[user] += 1
        released = threading.Event()

        def release() -> None:
            if released.is_set():
                return
            released.set()
            with self._lock:
                self._local[user] -= 1

        return release
