"""The landmark passes of a data view: where their results are kept, which passes run, and how
long a deep jump waits for its view's running pass.

A pass reads every matching row once on the process's one pass thread (PassRunner) and leaves
a view's landmarks in a LandmarkStore: this process's cache, or Redis when every web process
shares them (each pass is then claimed there, so one process runs it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from dashapp.dataview import paging
from dashapp.dataview.cache import TTLCache
from dashapp.dataview.landmark_store import (
    LandmarkStore,
    LocalLandmarks,
    RedisLandmarks,
    source_namespace,
)
from dashapp.dataview.pass_runner import PassRunner
from dashapp.dataview.query import GridQuery
from dashapp.dataview.session import read_connection
from dashapp.dataview.sources import DataSource
from dashapp.dataview.unreachable import unreachable_as_error

log = logging.getLogger(__name__)
# Landmark passes running or waiting at once per process (each reads every matching row once;
# the one pass thread runs them in turn).
MAX_LANDMARK_BUILDS = 1
# Seconds a background landmark pass waits before it starts (see LandmarkPasses._build).
PASS_START_DELAY_S = 0.05
# The longest a deep jump waits for this process's running pass of its view (see
# LandmarkPasses.await_running) before it seeks after all.
PASS_WAIT_S = 3.0

PassKey = tuple[str, str, str]  # (table id, filter key, sort key)


class LandmarkPasses:
    """The landmark passes of one DataView: their stores, the running ones and the pass thread."""

    def __init__(self, cache: TTLCache, shared_url: str | None = None) -> None:
        """`shared_url`: a Redis URL where landmark passes are shared by every web process."""
        self.cache = cache
        self._shared_url = shared_url
        self._stores: dict[str, LandmarkStore] = {}
        # The passes running in this process: set when each one ends.
        self._running: dict[PassKey, threading.Event] = {}
        self._lock = threading.Lock()
        self._runner = PassRunner()

    def ensure_started(self) -> None:
        """Start the pass thread now (the process's first request pays this, not a pass's)."""
        self._runner.ensure_started()

    def store(self, source: DataSource) -> LandmarkStore:
        """Where `source`'s landmark passes are kept: Redis when shared, else this process."""
        store = self._stores.get(source.name)
        if store is None:
            if self._shared_url:
                url = source.engine.url.render_as_string(hide_password=True)
                store = RedisLandmarks(
                    self._shared_url, source_namespace(url), self.cache.ttl, self.cache
                )
            else:
                store = LocalLandmarks(self.cache)
            self._stores[source.name] = store
        return store

    def running(self) -> int:
        """How many landmark passes are running now."""
        with self._lock:
            return len(self._running)

    def await_running(self, table: str, query: GridQuery, start: int, source: DataSource) -> None:
        """Let a deep jump that would seek wait while this process builds its view's landmarks.

        The seek would read the same keys again as the pass, on the same cores, and slow both
        down (a 10M-row seek took 1.5-2.3 s beside a pass and the page's KPI queries, 0.4 s
        alone); the pass, started as the page opened, is usually most of the way through.
        Only for jumps into the later half of the rows (a shallow seek is cheaper than waiting
        for a whole pass) and at most PASS_WAIT_S (or the source's timeout); no connection is
        held while waiting.
        """
        with self._lock:
            running = self._running.get((table, query.filter_key, query.sort_key))
        if running is None:
            return
        known = self.cache.get(("count", query.filter_key))
        if known is None or start * 2 < known.value:
            return
        if paging.would_seek(query, start, self.cache, marks=self.store(source)):
            running.wait(min(PASS_WAIT_S, source.timeout_ms / 1000))

    def later(self, table: str, source: DataSource) -> Callable[[GridQuery], None]:
        """Start a landmark pass for `table` on the pass thread (see paging.fetch_block).

        At most MAX_LANDMARK_BUILDS run at once and each filter+sort once at a time; a jump
        that finds them busy is served by a seek and asks again next time.
        """

        def start(query: GridQuery) -> None:
            key = (table, query.filter_key, query.sort_key)
            if self.cache.get(("landmarks-failed", *key)) is not None:
                return  # it timed out lately: jumps keep seeking until the cache forgets
            with self._lock:
                if key in self._running or len(self._running) >= MAX_LANDMARK_BUILDS:
                    return
                self._running[key] = threading.Event()
            if not self.store(source).claim(paging.landmarks_key(query)):
                with self._lock:  # another web process is running this pass
                    self._running.pop(key).set()
                return
            self._runner.submit(lambda: self._build(source, query, key))

        return start

    def _build(self, source: DataSource, query: GridQuery, key: PassKey) -> None:
        """One landmark pass in its own read-only connection; the result lands in the store."""
        # Let the request that started the pass answer first: a new thread holds the GIL
        # until it blocks, and building and compiling the pass's SQL would delay that answer.
        time.sleep(PASS_START_DELAY_S)
        found = None
        store = self.store(source)
        try:
            with (
                unreachable_as_error(source.name),
                read_connection(source.engine, source.timeout_ms) as conn,
            ):
                found = paging.landmarks(conn, query, self.cache, marks=store)
        except Exception:  # a background pass must not die loudly; jumps keep seeking
            log.warning("landmark pass failed on %s", query.table.name, exc_info=True)
        finally:
            if found is None:  # not again on every jump (a pass that times out costs the most)
                self.cache.set(("landmarks-failed", *key), True)
            store.release(paging.landmarks_key(query))
            with self._lock:
                self._running.pop(key).set()
