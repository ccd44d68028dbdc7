"""One entry point per use case of the data view, over an engine, a table whitelist and a cache."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine

from dashapp.services.grid import aggregates, counting, paging
from dashapp.services.grid.cache import TTLCache
from dashapp.services.grid.errors import GridQueryError
from dashapp.services.grid.query import GridQuery, build_query
from dashapp.services.grid.schema import GridTable, discover_table
from dashapp.services.grid.session import read_connection

log = logging.getLogger(__name__)


def jsonable(value: Any) -> Any:
    """A cell value the browser can take: numbers as floats, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class GridState:
    """What the page sends for any query: the grid's models plus the page's own filters."""

    filter_model: object = None
    sort_model: object = None
    quick: object = None
    facets: Mapping[str, object] | None = None

    @classmethod
    def from_mapping(cls, data: object) -> GridState:
        """Build from a JSON object (an export link, a saved view); GridQueryError if malformed."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise GridQueryError("The view state must be an object.")
        facets = data.get("facets")
        if facets is not None and not isinstance(facets, Mapping):
            raise GridQueryError("Facets must be an object keyed by column.")
        return cls(data.get("filterModel"), data.get("sortModel"), data.get("quick"), facets)


@dataclass(frozen=True)
class RowsResult:
    """One block for the grid, with the total and timing for the status line and logs."""

    rows: list[dict[str, Any]]
    row_count: int
    exact: bool
    strategy: str
    elapsed_ms: float


class DataView:
    """The data view's services over one database; one instance per app (holds the caches)."""

    def __init__(
        self,
        engine: Engine,
        allowed_tables: Sequence[str],
        timeout_ms: int = 5000,
        cache: TTLCache | None = None,
    ) -> None:
        self.engine = engine
        self.allowed_tables = tuple(allowed_tables)
        self.timeout_ms = timeout_ms
        self.cache = cache if cache is not None else TTLCache()
        self._tables = TTLCache(size=64, ttl=600.0)

    def table(self, name: object) -> GridTable:
        """The reflected table `name` when the admin allowed it; GridQueryError otherwise."""
        if not isinstance(name, str) or name not in self.allowed_tables:
            raise GridQueryError(f"Table {str(name)[:60]!r} is not available in the data view.")
        return self._tables.get_or_compute(name, lambda: discover_table(self.engine, name))

    def query(self, table: str, state: GridState) -> GridQuery:
        """A validated query over an allowed table."""
        return build_query(
            self.table(table), state.filter_model, state.sort_model, state.quick, state.facets
        )

    def rows(self, table: str, state: GridState, start: object, end: object) -> RowsResult:
        """Rows [start, end) and the total count, for the grid's infinite row model."""
        if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
            raise GridQueryError("startRow and endRow must be whole numbers.")
        if start < 0 or end <= start or end - start > paging.MAX_BLOCK:
            raise GridQueryError(f"A block is 1 to {paging.MAX_BLOCK} rows from row 0 on.")
        started = time.perf_counter()
        query = self.query(table, state)
        with read_connection(self.engine, self.timeout_ms) as conn:
            count = counting.count_rows(conn, query, self.cache)
            block = paging.fetch_block(conn, query, start, end, self.cache)
        rows = [{k: jsonable(v) for k, v in row.items()} for row in block.rows]
        elapsed = (time.perf_counter() - started) * 1000
        log.info(
            "grid block %s rows %d-%d: %d rows via %s in %.1f ms",
            table, start, end, len(rows), block.strategy, elapsed,
        )  # fmt: skip
        return RowsResult(rows, count.value, count.exact, block.strategy, elapsed)

    def summary(
        self, table: str, state: GridState, dimension: str | None
    ) -> tuple[aggregates.Kpis, list[tuple[str, int, float]], list[tuple[str, int, float]]]:
        """KPIs, the monthly trend and a breakdown (by `dimension` or the first set column)."""
        query = self.query(table, state)
        profile = aggregates.profile_for(query.table)
        with read_connection(self.engine, self.timeout_ms) as conn:
            kpis = aggregates.kpis(conn, query, profile, self.cache)
            trend = aggregates.trend(conn, query, profile, self.cache)
            chosen = dimension or (profile.dimensions[0] if profile.dimensions else None)
            bars = (
                aggregates.breakdown(conn, query, profile, chosen, cache=self.cache)
                if chosen
                else []
            )
        return kpis, trend, bars

    def refresh(self) -> None:
        """Forget cached counts, boundaries and table shapes (after the data changed)."""
        self.cache.clear()
        self._tables.clear()
