"""Sorting and block paging: keyset, landmarks and OFFSET all give the same rows."""

from __future__ import annotations

import random
from typing import Any

import pytest
import sqlalchemy as sa

from dashapp.dataview.cache import TTLCache
from dashapp.dataview.counting import count_rows
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.paging import fetch_block, landmarks, numbered_pass, walks_primary_key
from dashapp.dataview.query import build_query
from dashapp.dataview.schema import GridTable, discover_table
from tests.unit.grid.conftest import ROWS

SORTS: list[list[dict[str, str]]] = [
    [],
    [{"colId": "amount", "sort": "desc"}],
    [{"colId": "created", "sort": "asc"}, {"colId": "amount", "sort": "desc"}],
    [{"colId": "status", "sort": "asc"}, {"colId": "created", "sort": "desc"}],
    [{"colId": "id", "sort": "desc"}],
    [{"colId": "qty", "sort": "asc"}],  # nullable: OFFSET paging
]


def _all_ids(engine: sa.Engine, items: GridTable, sort: Any, model: Any = None) -> list[int]:
    query = build_query(items, filter_model=model, sort_model=sort)
    with engine.connect() as conn:
        stmt = query.select(items.sql("id")).order_by(*query.order_by())
        return [row[0] for row in conn.execute(stmt)]


def _paged_ids(
    engine: sa.Engine, items: GridTable, sort: Any, starts: list[int], size: int, model: Any = None
) -> tuple[list[int], set[str]]:
    query = build_query(items, filter_model=model, sort_model=sort)
    cache = TTLCache()
    ids: list[int] = []
    strategies = set()
    with engine.connect() as conn:
        for start in starts:
            block = fetch_block(conn, query, start, start + size, cache, step=50)
            ids.extend(row["id"] for row in block.rows)
            strategies.add(block.strategy)
    return ids, strategies


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: ",".join(x["colId"] for x in s) or "none")
def test_sequential_blocks_equal_one_ordered_query(
    engine: sa.Engine, items: GridTable, sort: Any
) -> None:
    expected = _all_ids(engine, items, sort)
    got, strategies = _paged_ids(engine, items, sort, list(range(0, len(ROWS), 30)), 30)
    assert got == expected
    nullable = any(s["colId"] == "qty" for s in sort)
    assert strategies == ({"offset"} if nullable else {"offset", "keyset"})


@pytest.mark.parametrize("sort", SORTS[1:4])
def test_deep_jumps_use_landmarks_and_match(engine: sa.Engine, items: GridTable, sort: Any) -> None:
    model = {"amount": {"filterType": "number", "type": "greaterThan", "filter": 10}}
    expected = _all_ids(engine, items, sort, model)
    starts = [170, 55, 100, 149, 5]
    got, strategies = _paged_ids(engine, items, sort, starts, 20, model)
    want = [i for s in starts for i in expected[s : s + 20]]
    assert got == want
    assert "landmark" in strategies


def test_sort_is_numeric_and_ends_in_id(engine: sa.Engine, items: GridTable) -> None:
    ids = _all_ids(engine, items, [{"colId": "amount", "sort": "asc"}])
    by_id = {r["id"]: r for r in ROWS}
    keys = [(by_id[i]["amount"], i) for i in ids]
    assert keys == sorted(keys)


def test_nulls_sort_last_ascending_first_descending(engine: sa.Engine, items: GridTable) -> None:
    by_id = {r["id"]: r for r in ROWS}
    asc = _all_ids(engine, items, [{"colId": "qty", "sort": "asc"}])
    desc = _all_ids(engine, items, [{"colId": "qty", "sort": "desc"}])
    assert by_id[asc[-1]]["qty"] is None and by_id[asc[0]]["qty"] is not None
    assert by_id[desc[0]]["qty"] is None


def test_past_the_end_is_empty(engine: sa.Engine, items: GridTable) -> None:
    ids, _ = _paged_ids(engine, items, [{"colId": "amount", "sort": "asc"}], [5000], 20)
    assert ids == []


def test_count_is_cached_per_filter(engine: sa.Engine, items: GridTable) -> None:
    cache = TTLCache()
    query = build_query(items, facets={"status": ["returned"]})
    with engine.connect() as conn:
        first = count_rows(conn, query, cache)
    assert first.exact
    assert first.value == sum(r["status"] == "returned" for r in ROWS)
    assert cache.get(("count", query.filter_key)) == first


@pytest.mark.parametrize(
    "sort",
    [
        [{"colId": "nope", "sort": "asc"}],
        [{"colId": "amount", "sort": "sideways"}],
        [{"colId": "amount", "sort": "asc"}, {"colId": "amount", "sort": "desc"}],
        [{"colId": c, "sort": "asc"} for c in ("id", "name", "qty", "amount", "created", "status")],
        "amount",
        [["amount", "asc"]],
    ],
)
def test_bad_sort_models_are_rejected(items: GridTable, sort: object) -> None:
    with pytest.raises(GridQueryError):
        build_query(items, sort_model=sort)


SPARSE_IDS = sorted(random.Random(3).sample(range(-50_000, 1_000_000), 337))


@pytest.fixture
def sparse(engine: sa.Engine) -> GridTable:
    """A table whose primary keys are far apart and not a multiple of any step."""
    meta = sa.MetaData()
    table = sa.Table(
        "sparse_keys",
        meta,
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("label", sa.String(20), nullable=False),
    )
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table("sparse_keys"):
            table.create(conn)
            conn.execute(table.insert(), [{"id": i, "label": f"k{i}"} for i in SPARSE_IDS])
    return discover_table(engine, "sparse_keys")


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_the_default_views_pass_hops_along_the_primary_key_to_the_same_landmarks(
    engine: sa.Engine, sparse: GridTable, descending: bool
) -> None:
    sort = [{"colId": "id", "sort": "desc"}] if descending else None
    query = build_query(sparse, sort_model=sort)
    assert walks_primary_key(query)
    ordered = sorted(SPARSE_IDS, reverse=descending)
    with engine.connect() as conn:
        hopped = landmarks(conn, query, None, step=10)
        numbered = [tuple(row) for row in conn.execute(numbered_pass(query, 10))]
        assert hopped == numbered == [(ordered[i],) for i in range(9, len(ordered), 10)]
        cache = TTLCache()
        for start in (300, 20, 330, 157):
            block = fetch_block(conn, query, start, start + 25, cache, step=10)
            assert [row["id"] for row in block.rows] == ordered[start : start + 25]
        assert block.strategy == "landmark"


def test_only_a_whole_table_in_primary_key_order_hops_its_index(items: GridTable) -> None:
    assert walks_primary_key(build_query(items))
    filtered = {"amount": {"filterType": "number", "type": "greaterThan", "filter": 10}}
    assert not walks_primary_key(build_query(items, filter_model=filtered))
    assert not walks_primary_key(build_query(items, quick="alpha"))
    assert not walks_primary_key(
        build_query(items, sort_model=[{"colId": "amount", "sort": "asc"}])
    )
