"""Fetch one block of rows at any depth without OFFSET-scanning everything above it.

Keyset pagination needs the sort key of the row just before the block. We get it from:
1. the boundary cache: each served block records the key of its last row, so the next block
   (the usual scroll) is a pure keyset query;
2. landmarks: once this filter+sort has been jumped into twice (dragging the scrollbar
   around), or as soon as a large table's page opens or its unfiltered first rows are shown
   (DataView.open_table, DataView.rows), one pass computes the key of every `step`-th row
   (numbering the matching rows, or hopping along the primary key's index; kept in a
   LandmarkStore: this process, or Redis for every web process), then any block is a keyset
   query from the nearest landmark with an OFFSET below `step`;
3. seek: a jump before landmarks exist reads only the sort key of the row just before the
   block (`SELECT key ... OFFSET start-1 LIMIT 1`, an index-only scan when an index covers the
   filter and sort), then the block is a keyset query from it. It still passes over `start`
   keys — no B-tree knows row positions — but never waits for the landmark pass, which reads
   every matching row (0.5 s on 10,000,000 rows hopping along a primary key, 1.7 s
   numbering them);
4. plain OFFSET when the sort cannot be keyset-paged (nullable sort columns, no unique key) or
   the landmark pass fails (for example it hit the statement timeout).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashapp.dataview.cache import TTLCache
from dashapp.dataview.landmark_store import LandmarkStore, LocalLandmarks
from dashapp.dataview.query import GridQuery, SortKey
from dashapp.dataview.session import is_timeout, savepoint

log = logging.getLogger(__name__)

LANDMARK_STEP = 1000
# Dialects whose landmark pass can hop along a primary key index (walks_primary_key).
SKIP_DIALECTS = frozenset({"postgresql", "sqlite"})
MAX_BLOCK = 1000


@dataclass(frozen=True)
class Block:
    """Rows of one block and how they were found (for logs and benchmarks)."""

    rows: list[dict[str, Any]]
    strategy: str


def keyset_after(query: GridQuery, key: tuple[Any, ...]) -> sa.ColumnElement[bool]:
    """Rows strictly after `key` in the query's order (mixed directions allowed).

    (a, b, id) > (x, y, z) expands to a>x OR (a=x AND b>y) OR (a=x AND b=y AND id>z); the
    leading a>=x bound lets the planner start an index range scan at the right place.
    With one direction throughout it is a row-value comparison, exact for a (a, b, id) index.
    """
    columns = [query.table.sql(s.column) for s in query.sort]
    directions = {s.descending for s in query.sort}
    if len(directions) == 1:
        # One direction: a row-value comparison, which PostgreSQL turns into an exact index
        # range on (a, b, id) instead of filtering every row that shares the leading value.
        bound_row = sa.tuple_(*(sa.literal(v, c.type) for v, c in zip(key, columns, strict=True)))
        row = sa.tuple_(*columns)
        return row < bound_row if query.sort[0].descending else row > bound_row
    branches = []
    for i, sort in enumerate(query.sort):
        equal = [columns[j] == key[j] for j in range(i)]
        after = columns[i] < key[i] if sort.descending else columns[i] > key[i]
        branches.append(sa.and_(*equal, after))
    first = query.sort[0]
    bound = columns[0] <= key[0] if first.descending else columns[0] >= key[0]
    return sa.and_(bound, sa.or_(*branches))


def _key_of(row: dict[str, Any], sort: tuple[SortKey, ...]) -> tuple[Any, ...]:
    return tuple(row[s.column] for s in sort)


def _boundary_cache_key(query: GridQuery, position: int) -> tuple[Any, ...]:
    return ("boundary", query.filter_key, query.sort_key, position)


def landmarks_key(query: GridQuery, step: int = LANDMARK_STEP) -> tuple[Any, ...]:
    """The key a filter+sort's landmarks are stored under."""
    return ("landmarks", query.filter_key, query.sort_key, step)


def _store(cache: TTLCache | None, marks: LandmarkStore | None) -> LandmarkStore | None:
    """Where landmarks live: the given store, else the cache, else nowhere."""
    if marks is not None:
        return marks
    return LocalLandmarks(cache) if cache is not None else None


def landmarks(
    conn: Connection,
    query: GridQuery,
    cache: TTLCache | None,
    step: int = LANDMARK_STEP,
    marks: LandmarkStore | None = None,
) -> list[tuple[Any, ...]] | None:
    """Sort keys of rows step-1, 2*step-1, ... (0-based); None when the pass fails."""
    cache_key = landmarks_key(query, step)
    store = _store(cache, marks)
    if store is not None:
        cached = store.get(cache_key)
        if cached is not None:
            return cached
    stmt = skip_scan(query, step) if walks_primary_key(query) else numbered_pass(query, step)
    guard = savepoint(conn) if conn.dialect.name != "sqlite" else None
    try:
        found = [tuple(row) for row in conn.execute(stmt)]
        if guard is not None:
            guard.commit()
    except sa.exc.OperationalError as exc:
        if guard is None or not is_timeout(exc):
            raise
        guard.rollback()
        log.warning("landmark pass timed out on %s; falling back to OFFSET", query.table.name)
        return None
    if store is not None:
        store.set(cache_key, found)
    return found


def walks_primary_key(query: GridQuery) -> bool:
    """True when the query is a whole table in its primary key's order (the default view):
    its B-tree index gives every landmark by a short index range scan from the previous one.

    PostgreSQL and SQLite, where it is tested and timed. MySQL/MariaDB keep the numbered pass:
    MariaDB 10.11 accepts the query, but its speed there and MySQL's acceptance are unmeasured.
    """
    if query.conditions or len(query.sort) != 1 or query.table.dialect not in SKIP_DIALECTS:
        return False
    pk = [column.name for column in query.table.table.primary_key.columns]
    return pk == [query.sort[0].column] and query.sort[0].column not in query.table.expressions


def numbered_pass(query: GridQuery, step: int) -> sa.Select[Any]:
    """Every step-th row's sort key by numbering all matching rows (any filter and order)."""
    key_columns = [query.table.sql(s.column).label(f"k{i}") for i, s in enumerate(query.sort)]
    position = sa.func.row_number().over(order_by=query.order_by()).label("rn")
    numbered = query.select(*key_columns, position).subquery()
    return (
        sa.select(*(numbered.c[f"k{i}"] for i in range(len(key_columns))))
        .where(numbered.c.rn % step == 0)
        .order_by(numbered.c.rn)
    )


def skip_scan(query: GridQuery, step: int) -> sa.Select[Any]:
    """Every step-th primary key by hopping along the key's index (see walks_primary_key).

    A recursive query: each landmark is `step - 1` index entries past the one before. It reads
    the index once, like the numbered pass, but numbers and sorts nothing: 10,000,000 rows
    take about a quarter of the numbered pass's time (bench/bench_jumps.py).
    """
    order = query.sort[0]
    key = query.table.sql(order.column)
    ordered = key.desc() if order.descending else key.asc()
    # The anchor as a subquery: SQLite takes no LIMIT on a compound's first SELECT.
    first = sa.select(key.label("k")).order_by(ordered).offset(step - 1).limit(1).subquery()
    marks = sa.select(first.c.k).cte("landmarks", recursive=True)
    after = key < marks.c.k if order.descending else key > marks.c.k
    following = (
        sa.select(key).where(after).order_by(ordered).offset(step - 1).limit(1).scalar_subquery()
    )
    marks = marks.union_all(sa.select(following).where(marks.c.k.is_not(None)))
    found = marks.c.k
    return (
        sa.select(found)
        .where(found.is_not(None))
        .order_by(found.desc() if order.descending else found)
    )


def seek_key(conn: Connection, query: GridQuery, position: int) -> tuple[Any, ...] | None:
    """The sort key of row `position` (0-based), reading only key columns; None past the end."""
    keys = [query.table.sql(s.column) for s in query.sort]
    stmt = query.select(*keys).order_by(*query.order_by()).offset(position).limit(1)
    row = conn.execute(stmt).first()
    return tuple(row) if row is not None else None


def _second_jump(cache: TTLCache | None, query: GridQuery) -> bool:
    """Count an uncached deep jump into this filter+sort; True from the second one on."""
    if cache is None:
        return True  # nothing remembers landmarks either: compute them as before
    key = ("jumped", query.filter_key, query.sort_key)
    seen = cache.get(key)
    cache.set(key, True)
    return seen is not None


def _run(conn: Connection, stmt: sa.Select[Any]) -> list[dict[str, Any]]:
    result = conn.execute(stmt)
    keys = list(result.keys())
    # One fetchall, then zip over plain tuples: iterating the result fetches row by row (a
    # driver call each), and dict(RowMapping) costs three times dict(zip) on a 100-row block.
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def would_seek(
    query: GridQuery,
    start: int,
    cache: TTLCache | None,
    step: int = LANDMARK_STEP,
    marks: LandmarkStore | None = None,
) -> bool:
    """True when fetch_block would find the block at `start` by a seek: a jump past the first
    `step` rows with neither a cached boundary nor landmarks to start from."""
    if not query.keyset_ready or start < step:
        return False
    if cache is not None and cache.get(_boundary_cache_key(query, start)) is not None:
        return False
    store = _store(cache, marks)
    return store is None or store.get(landmarks_key(query, step)) is None


def fetch_block(
    conn: Connection,
    query: GridQuery,
    start: int,
    end: int,
    cache: TTLCache | None = None,
    step: int = LANDMARK_STEP,
    build_later: Callable[[GridQuery], None] | None = None,
    marks: LandmarkStore | None = None,
) -> Block:
    """Rows [start, end) of the query's result in its order.

    `build_later(query)`, when given, runs the landmark pass elsewhere (a background thread)
    instead of inside this request; the jump that asks for it is served by a seek. `marks`
    is where landmarks are looked up (default: `cache`).
    """
    if start < 0 or end <= start:
        return Block([], "empty")
    limit = min(end - start, MAX_BLOCK)
    base = query.select().order_by(*query.order_by())
    strategy = "offset"
    stmt = base.offset(start).limit(limit)
    if query.keyset_ready and start > 0:
        cached_key = cache.get(_boundary_cache_key(query, start)) if cache is not None else None
        if cached_key is not None:
            stmt = base.where(keyset_after(query, cached_key)).limit(limit)
            strategy = "keyset"
        elif start >= step:
            store = _store(cache, marks)
            found = store.get(landmarks_key(query, step)) if store is not None else None
            if found is None and _second_jump(cache, query):
                if build_later is not None:
                    build_later(query)
                else:
                    found = landmarks(conn, query, cache, step, marks)
            index = start // step - 1
            if found is not None and index < len(found):
                skip = start - (index + 1) * step
                stmt = base.where(keyset_after(query, found[index])).offset(skip).limit(limit)
                strategy = "landmark"
            elif found is not None:
                return Block([], "past-end")
            else:
                key = seek_key(conn, query, start - 1)
                if key is None:
                    return Block([], "past-end")
                if cache is not None:
                    cache.set(_boundary_cache_key(query, start), key)
                stmt = base.where(keyset_after(query, key)).limit(limit)
                strategy = "seek"
    rows = _run(conn, stmt)
    if rows and query.keyset_ready and cache is not None:
        cache.set(_boundary_cache_key(query, start + len(rows)), _key_of(rows[-1], query.sort))
    return Block(rows, strategy)
