"""Where landmark passes leave their result: this process, or Redis shared by every web process.

A landmark pass reads every row of a filter+sort once (seconds on 10M rows). Kept only in the
process that ran it, a jump answered by another gunicorn worker seeks again, and each worker
runs its own pass. With `REDIS_URL` set, the landmarks of a pass go to Redis for the data view's
cache time, with a short claim so one process runs a pass at a time; every process keeps a local
copy of what it read (for the cache time again: a landmark is at most twice that old). Sort
keys are stored as typed JSON (never pickle: a value read from Redis is data, not code); a key
of a type not listed here keeps that pass local.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Hashable
from decimal import Decimal
from typing import Any, Protocol

import redis

from dashapp.services.grid.cache import TTLCache

log = logging.getLogger(__name__)

Marks = list[tuple[Any, ...]]
# A pass that claimed the build and died frees the claim after this many seconds.
CLAIM_SECONDS = 120.0


class LandmarkStore(Protocol):
    """Landmarks of one filter+sort, by the cache key paging builds."""

    def get(self, key: Hashable) -> Marks | None:
        """The stored landmarks, or None."""

    def set(self, key: Hashable, marks: Marks) -> None:
        """Keep `marks` for the store's time-to-live."""

    def claim(self, key: Hashable) -> bool:
        """True when this process may run the pass for `key` now (nobody else is)."""

    def release(self, key: Hashable) -> None:
        """Give the claim back (the pass finished or failed)."""


class LocalLandmarks:
    """Landmarks in this process only (the embedded default, and the Redis store's fallback)."""

    def __init__(self, cache: TTLCache) -> None:
        self._cache = cache

    def get(self, key: Hashable) -> Marks | None:
        """The landmarks this process computed, or None."""
        found: Marks | None = self._cache.get(key)
        return found

    def set(self, key: Hashable, marks: Marks) -> None:
        """Keep `marks` in this process's cache."""
        self._cache.set(key, marks)

    def claim(self, key: Hashable) -> bool:
        """Always True: DataView already allows one pass per filter+sort in a process."""
        return True

    def release(self, key: Hashable) -> None:
        """Nothing to give back."""


def encode_key_value(value: Any) -> list[Any]:
    """One sort-key value as [type tag, JSON-safe form]; TypeError for a type we do not keep."""
    if value is None or isinstance(value, bool | str):
        return ["v", value]
    if isinstance(value, int):
        return ["i", str(value)]  # as text: JSON readers may round integers over 2**53
    if isinstance(value, float):
        return ["f", repr(value)]
    if isinstance(value, Decimal):
        return ["d", str(value)]
    if isinstance(value, dt.datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, dt.date):
        return ["da", value.isoformat()]
    if isinstance(value, dt.time):
        return ["t", value.isoformat()]
    if isinstance(value, uuid.UUID):
        return ["u", str(value)]
    raise TypeError(f"a sort key of type {type(value).__name__} is not shared")


_DECODERS: dict[str, Any] = {
    "v": lambda v: v,
    "i": int,
    "f": float,
    "d": Decimal,
    "dt": dt.datetime.fromisoformat,
    "da": dt.date.fromisoformat,
    "t": dt.time.fromisoformat,
    "u": uuid.UUID,
}


def encode_marks(marks: Marks) -> str:
    """Landmarks as typed JSON text (TypeError when a value's type is not kept)."""
    return json.dumps([[encode_key_value(v) for v in key] for key in marks], separators=(",", ":"))


def decode_marks(text: str | bytes) -> Marks:
    """The landmarks `encode_marks` wrote."""
    return [tuple(_DECODERS[tag](raw) for tag, raw in key) for key in json.loads(text)]


class RedisLandmarks:
    """Landmarks shared through Redis by every web process, with a local copy in front.

    `namespace` separates data sources (two sources may hold tables of the same name). Any
    Redis failure falls back to this process's copy: landmarks are only a speed-up.
    """

    def __init__(self, url: str, namespace: str, ttl: float, local: TTLCache) -> None:
        self._client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self._namespace = namespace
        self._ttl = max(1, int(ttl))
        self._local = LocalLandmarks(local)
        self._claims: dict[str, str] = {}

    def _redis_key(self, key: Hashable, kind: str) -> str:
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
        return f"dashapp:landmarks:{self._namespace}:{kind}:{digest}"

    def get(self, key: Hashable) -> Marks | None:
        """This process's copy, else Redis's (then kept locally too), else None."""
        found = self._local.get(key)
        if found is not None:
            return found
        try:
            text = self._client.get(self._redis_key(key, "marks"))
        except redis.RedisError as exc:
            log.warning("shared landmarks: Redis unavailable (%s); this process only", exc)
            return None
        if text is None:
            return None
        found = decode_marks(text)
        self._local.set(key, found)
        return found

    def set(self, key: Hashable, marks: Marks) -> None:
        """Keep `marks` here and, when their values can be encoded, in Redis for the TTL."""
        self._local.set(key, marks)
        try:
            text = encode_marks(marks)
        except TypeError as exc:
            log.info("landmarks kept in this process only: %s", exc)
            return
        try:
            self._client.set(self._redis_key(key, "marks"), text, ex=self._ttl)
        except redis.RedisError as exc:
            log.warning("shared landmarks: could not store a pass (%s)", exc)

    def claim(self, key: Hashable) -> bool:
        """Take the build claim in Redis (SET NX with an expiry); True when Redis is down."""
        token = uuid.uuid4().hex
        name = self._redis_key(key, "claim")
        try:
            taken = self._client.set(name, token, nx=True, ex=int(CLAIM_SECONDS))
        except redis.RedisError:
            return True  # each process then builds its own, as without Redis
        if taken:
            self._claims[name] = token
        return bool(taken)

    def release(self, key: Hashable) -> None:
        """Drop our claim (only ours: a claim that expired and was retaken stays)."""
        name = self._redis_key(key, "claim")
        token = self._claims.pop(name, None)
        if token is None:
            return
        try:
            if self._client.get(name) == token.encode():
                self._client.delete(name)
        except redis.RedisError:
            pass  # it expires by itself


def source_namespace(url: str) -> str:
    """A short stable name for one data source's database (its URL without the password)."""
    return hashlib.sha256(url.encode()).hexdigest()[:12]
