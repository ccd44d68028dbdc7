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

from dashapp.dataview.cache import TTLCache

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


def _tag(value: Any) -> str:
    """The type tag of one sort-key value; TypeError for a type we do not keep."""
    if value is None or isinstance(value, bool | str):
        return "v"  # JSON keeps these as they are
    if isinstance(value, int):
        return "i"  # Python's json reads integers back exactly, however large
    if isinstance(value, float):
        return "f"
    if isinstance(value, Decimal):
        return "d"
    if isinstance(value, dt.datetime):
        return "dt"
    if isinstance(value, dt.date):
        return "da"
    if isinstance(value, dt.time):
        return "t"
    if isinstance(value, uuid.UUID):
        return "u"
    raise TypeError(f"a sort key of type {type(value).__name__} is not shared")


_AS_JSON: dict[str, Any] = {
    "v": lambda v: v,
    "i": lambda v: v,
    "f": repr,  # as text: JSON has no inf or -0.0
    "d": str,
    "dt": lambda v: v.isoformat(),
    "da": lambda v: v.isoformat(),
    "t": lambda v: v.isoformat(),
    "u": str,
}
_FROM_JSON: dict[str, Any] = {
    "f": float,
    "d": Decimal,
    "dt": dt.datetime.fromisoformat,
    "da": dt.date.fromisoformat,
    "t": dt.time.fromisoformat,
    "u": uuid.UUID,
}


def encode_marks(marks: Marks) -> str:
    """Landmarks as typed JSON text, one list per key column (TypeError for an unkept type).

    Column by column, with one tag for a column whose values share a type (the usual case: a
    10M-row table's 10,000 integer ids load back as fast as json.loads reads them).
    """
    columns = list(zip(*marks, strict=True)) if marks else []
    encoded = []
    for values in columns:
        tags = [_tag(v) for v in values]
        if len(set(tags)) == 1:
            encoded.append([tags[0], [_AS_JSON[tags[0]](v) for v in values]])
        else:
            encoded.append(["*", [[t, _AS_JSON[t](v)] for t, v in zip(tags, values, strict=True)]])
    return json.dumps({"rows": len(marks), "columns": encoded}, separators=(",", ":"))


def _decode_column(tag: str, values: list[Any]) -> list[Any]:
    if tag == "*":
        return [_FROM_JSON[t](v) if t in _FROM_JSON else v for t, v in values]
    read = _FROM_JSON.get(tag)
    return values if read is None else [read(v) for v in values]


def decode_marks(text: str | bytes) -> Marks:
    """The landmarks `encode_marks` wrote."""
    found = json.loads(text)
    columns = [_decode_column(tag, values) for tag, values in found["columns"]]
    if not columns:
        return [() for _ in range(found["rows"])]
    return list(zip(*columns, strict=True))


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
