"""One entry point per use case of the data view, over an engine, a table whitelist and a cache."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.engine import Engine

from dashapp.dataview import aggregates, counting, paging
from dashapp.dataview.block_json import jsonable_rows
from dashapp.dataview.cache import TTLCache
from dashapp.dataview.config.catalog import Catalog, CatalogEntry, simple_catalog
from dashapp.dataview.config.spec import DashboardSpec, dashboard_spec, table_options
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.grid_state import GridState
from dashapp.dataview.landmark_passes import LandmarkPasses
from dashapp.dataview.landmark_store import LandmarkStore
from dashapp.dataview.query import GridQuery, build_query
from dashapp.dataview.schema import GridTable, discover_table
from dashapp.dataview.session import read_connection
from dashapp.dataview.sources import APP_SOURCE, DataSource
from dashapp.dataview.unreachable import unreachable_as_error

log = logging.getLogger(__name__)
# A table at least this large gets its default view's landmarks as soon as its first rows are
# shown: the pass runs while the user reads them, so the first drag of the scrollbar lands on
# landmarks instead of passing over millions of keys (10M rows: seconds vs milliseconds).
PREWARM_ROWS = 100_000


@dataclass(frozen=True)
class RowsResult:
    """One block for the grid, with the total and timing for the status line and logs."""

    rows: list[dict[str, Any]]
    row_count: int
    exact: bool
    strategy: str
    elapsed_ms: float


def settle_estimate(count: counting.RowCount, start: int, end: int, got: int) -> tuple[int, bool]:
    """The total to give the grid: an estimate corrected by what a block just showed.

    A short block is the end of the result (the total is then known); a full block past the
    estimate means there are more rows than estimated. The grid scrolls by this figure.
    """
    if count.exact:
        return count.value, True
    if got < end - start and (got or start == 0):
        return start + got, True
    if not got:  # past the end: there are at most `start` rows
        return min(count.value, start), False
    if got == end - start and count.value < end:
        return end + 1, False
    return count.value, False


@dataclass(frozen=True)
class Summary:
    """KPIs and chart series for the filtered rows."""

    kpis: list[aggregates.KpiValue]
    trend: list[tuple[str, int, float]]
    breakdown: list[tuple[str, int, float]]


class DataView:
    """The data view's services over its sources; one instance per app (holds the caches)."""

    def __init__(
        self,
        source: Engine | Catalog,
        allowed_tables: Sequence[str] = (),
        timeout_ms: int = 5000,
        cache: TTLCache | None = None,
        shared_url: str | None = None,
        prewarm_rows: int = PREWARM_ROWS,
    ) -> None:
        """`shared_url`: a Redis URL where landmark passes are shared by every web process."""
        self.catalog = (
            source
            if isinstance(source, Catalog)
            else simple_catalog(source, allowed_tables, timeout_ms)
        )
        self.cache = cache if cache is not None else TTLCache()
        self._tables = TTLCache(size=64, ttl=600.0)
        self._prewarm_rows = prewarm_rows
        self._passes = LandmarkPasses(self.cache, shared_url)

    def landmark_store(self, source: DataSource) -> LandmarkStore:
        """Where `source`'s landmark passes are kept: Redis when shared, else this process."""
        return self._passes.store(source)

    @property
    def allowed_tables(self) -> tuple[str, ...]:
        """The ids of the tables the data view offers."""
        return self.catalog.table_ids

    def entry(self, name: object) -> CatalogEntry:
        """The catalog entry of table id `name`; GridQueryError when it is not offered."""
        if not isinstance(name, str) or name not in self.catalog.entries:
            raise GridQueryError(f"Table {str(name)[:60]!r} is not available in the data view.")
        return self.catalog.entries[name]

    def source(self, name: object) -> DataSource:
        """The data source a table id reads from."""
        return self.catalog.sources[self.entry(name).source]

    def engine_for(self, name: object) -> Engine:
        """The engine a table id reads from (exports use it)."""
        return self.source(name).engine

    @property
    def engine(self) -> Engine:
        """The first table's engine (kept for callers that knew one database)."""
        first = self.allowed_tables[0] if self.allowed_tables else None
        return self.engine_for(first) if first else self.catalog.sources[APP_SOURCE].engine

    def table(self, name: object) -> GridTable:
        """The reflected table `name` when the admin allowed it; GridQueryError otherwise."""
        entry = self.entry(name)
        engine = self.catalog.sources[entry.source].engine

        def discover() -> GridTable:
            options = table_options(entry.config)
            with unreachable_as_error(entry.source):
                return discover_table(engine, entry.name, table_id=entry.id, options=options)

        return self._tables.get_or_compute(entry.id, discover)

    def dashboard(self, name: object) -> DashboardSpec:
        """The table's KPIs and charts: configured, or what its columns support."""
        return dashboard_spec(self.table(name), self.entry(name).config)

    def query(self, table: str, state: GridState) -> GridQuery:
        """A validated query over an allowed table."""
        sort = state.sort_model
        entry = self.entry(table)
        if not sort and entry.config is not None and entry.config.default_sort:
            sort = [{"colId": s.column, "sort": s.direction} for s in entry.config.default_sort]
        return build_query(self.table(table), state.filter_model, sort, state.quick, state.facets)

    def rows(self, table: str, state: GridState, start: object, end: object) -> RowsResult:
        """Rows [start, end) and the total count, for the grid's infinite row model."""
        if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
            raise GridQueryError("startRow and endRow must be whole numbers.")
        if start < 0 or end <= start or end - start > paging.MAX_BLOCK:
            raise GridQueryError(f"A block is 1 to {paging.MAX_BLOCK} rows from row 0 on.")
        started = time.perf_counter()
        self._passes.ensure_started()  # the process's first request pays this, not a pass's
        query = self.query(table, state)
        source = self.source(table)
        if start >= paging.LANDMARK_STEP:
            self._passes.await_running(table, query, start, source)
        with (
            unreachable_as_error(source.name),
            read_connection(source.engine, source.timeout_ms) as conn,
        ):
            count = counting.first_count(conn, query, self.cache)
            marks = self.landmark_store(source)
            build_later = self._passes.later(table, source)
            block = paging.fetch_block(
                conn, query, start, end, self.cache, build_later=build_later, marks=marks
            )
        if start == 0 and self._worth_prewarming(table, query, count.value, marks):
            build_later(query)
        rows = jsonable_rows(block.rows)
        total, exact = settle_estimate(count, start, end, len(rows))
        elapsed = (time.perf_counter() - started) * 1000
        log.info(
            "grid block %s rows %d-%d: %d rows via %s in %.1f ms",
            table, start, end, len(rows), block.strategy, elapsed,
        )  # fmt: skip
        return RowsResult(rows, total, exact, block.strategy, elapsed)

    def _worth_prewarming(
        self, table: str, query: GridQuery, rows: int, marks: LandmarkStore
    ) -> bool:
        """True for the unfiltered default view of a large table whose landmarks are missing.

        Only that view: it is where every visit starts and its pass serves every user, while a
        pass per filter typed would cost a full read each. Other views build theirs from the
        second deep jump into them (paging.fetch_block).
        """
        if query.conditions or not query.keyset_ready or rows < self._prewarm_rows:
            return False
        default_sort = self._tables.get_or_compute(
            ("default-sort", table), lambda: self.query(table, GridState()).sort
        )
        if query.sort != default_sort:
            return False
        return marks.get(paging.landmarks_key(query)) is None

    def open_table(self, table: str) -> None:
        """A page is opening `table`: start its default view's landmark pass already, when the
        table is large (see `_worth_prewarming`). The page's scripts load and its grid asks for
        the first rows after this, which gives the pass a head start of its own.

        Only where the planner's estimate gives the size for one EXPLAIN (PostgreSQL,
        MySQL/MariaDB); elsewhere the first rows start it. Never fails the page: a source that
        does not answer shows its message in the grid.
        """
        source = self.source(table)
        if source.dialect not in counting.ESTIMATING_DIALECTS:
            return
        self._passes.ensure_started()
        query = self.query(table, GridState())
        marks = self.landmark_store(source)
        if marks.get(paging.landmarks_key(query)) is not None:
            return  # built already: a page open costs no database round trip
        try:
            with (
                unreachable_as_error(source.name),
                read_connection(source.engine, source.timeout_ms) as conn,
            ):
                count = counting.first_count(conn, query, self.cache)
        except GridQueryError as exc:
            log.warning("no landmark head start for %s: %s", table, exc)
            return
        if self._worth_prewarming(table, query, count.value, marks):
            self._passes.later(table, source)(query)

    def landmark_builds(self) -> int:
        """How many landmark passes are running now (tests and benchmarks wait on it)."""
        return self._passes.running()

    def summary(self, table: str, state: GridState, dimension: str | None = None) -> Summary:
        """KPIs, the trend and a breakdown (by `dimension` when offered, else the default)."""
        query = self.query(table, state)
        spec = self.dashboard(table)
        bars_spec = spec.breakdown
        if bars_spec is not None and dimension in spec.dimensions:
            bars_spec = replace(bars_spec, column=dimension)
        source = self.source(table)
        with (
            unreachable_as_error(source.name),
            # One snapshot: the KPIs and both charts describe the same rows.
            read_connection(source.engine, source.timeout_ms, snapshot=True) as conn,
        ):
            kpis = aggregates.kpis(conn, query, spec.kpis, self.cache)
            trend = aggregates.trend(conn, query, spec.trend, self.cache) if spec.trend else []
            bars = aggregates.breakdown(conn, query, bars_spec, self.cache) if bars_spec else []
        return Summary(kpis, trend, bars)

    def count(self, table: str, state: GridState, exact: bool = False) -> counting.RowCount:
        """Rows matching `state`: exact up to a bound, else an estimate unless `exact`."""
        query = self.query(table, state)
        source = self.source(table)
        with (
            unreachable_as_error(source.name),
            read_connection(source.engine, source.timeout_ms) as conn,
        ):
            return counting.count_rows(conn, query, self.cache, exact)

    def rows_count(self, table: str, state: GridState) -> int:
        """The number of rows matching `state` (cached per filter, like the grid's status)."""
        return self.count(table, state).value
