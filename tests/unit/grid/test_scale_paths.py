"""The large-table paths on PostgreSQL: seeked deep jumps, background landmarks, estimate-first
counts, and one-round-trip read-only connections that go back to the pool clean."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from dashapp.dataview import counting, landmark_passes
from dashapp.dataview.cache import TTLCache
from dashapp.dataview.counting import first_count
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.paging import LANDMARK_STEP, fetch_block
from dashapp.dataview.query import GridQuery, build_query
from dashapp.dataview.rows import export_rows
from dashapp.dataview.schema import GridTable, discover_table
from dashapp.dataview.service import DataView, GridState
from dashapp.dataview.session import read_connection
from dashapp.dataview.sources.sources import make_engine
from tests.support.pg_wire import counting_relay

pytestmark = pytest.mark.postgres

ROWS = 5000  # over LANDMARK_STEP, so jumps deep enough for landmarks exist

SORTS: list[list[dict[str, str]]] = [
    [],
    [{"colId": "id", "sort": "desc"}],
    [{"colId": "grp", "sort": "asc"}, {"colId": "day", "sort": "desc"}],
    [{"colId": "score", "sort": "asc"}],  # nullable: OFFSET paging
    [{"colId": "score", "sort": "desc"}, {"colId": "grp", "sort": "asc"}],  # nullable first
]
FILTERS: list[dict[str, Any] | None] = [
    None,
    {"grp": {"filterType": "set", "values": ["b", "c"]}},
    {"score": {"filterType": "number", "type": "greaterThan", "filter": 20}},
]


@pytest.fixture(scope="module")
def jumps(pg_engine: sa.Engine) -> GridTable:
    """`jumps`: ROWS rows, a text group, a date, and a nullable score with ties."""
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS jumps")
        conn.exec_driver_sql(
            "CREATE TABLE jumps (id integer PRIMARY KEY, grp varchar(4) NOT NULL, "
            "day date NOT NULL, score integer)"
        )
        conn.execute(
            sa.text(
                "INSERT INTO jumps SELECT g, (ARRAY['a','b','c','d'])[1 + g % 4], "
                "date '2024-01-01' + (g * 7) % 90, CASE WHEN g % 9 = 0 THEN NULL ELSE g % 50 END "
                f"FROM generate_series(1, {ROWS}) g"
            )
        )
    with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE jumps")
    return discover_table(pg_engine, "jumps")


def _offset_answer(engine: sa.Engine, query: GridQuery, start: int, size: int) -> list[int]:
    """What plain SQL OFFSET gives for rows [start, start + size)."""
    stmt = query.select(query.table.sql("id")).order_by(*query.order_by())
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(stmt.offset(start).limit(size))]


def _never(_query: GridQuery) -> None:
    """A background runner that never runs: every uncached jump is a seek."""


@pytest.mark.parametrize("model", FILTERS, ids=["none", "set", "number"])
@pytest.mark.parametrize("sort", SORTS, ids=lambda s: ",".join(x["colId"] for x in s) or "id")
def test_cold_deep_jumps_equal_sql_offset(
    pg_engine: sa.Engine, jumps: GridTable, sort: Any, model: Any
) -> None:
    query = build_query(jumps, filter_model=model, sort_model=sort)
    strategies = set()
    with read_connection(pg_engine, 5000) as conn:
        for start in (4100, 1000, 2999, 1500, 3333, 4990, 6000):
            cache = TTLCache()  # cold every time: no boundaries, no landmarks
            block = fetch_block(conn, query, start, start + 100, cache, build_later=_never)
            assert [r["id"] for r in block.rows] == _offset_answer(pg_engine, query, start, 100)
            strategies.add(block.strategy)
    if query.keyset_ready:
        assert strategies <= {"seek", "past-end"} and "seek" in strategies
    else:
        assert strategies == {"offset"}


def test_a_seek_leaves_the_boundary_for_the_next_request(
    pg_engine: sa.Engine, jumps: GridTable
) -> None:
    query = build_query(jumps, sort_model=[{"colId": "grp", "sort": "desc"}])
    cache = TTLCache()
    with read_connection(pg_engine, 5000) as conn:
        first = fetch_block(conn, query, 3000, 3100, cache, build_later=_never)
        again = fetch_block(conn, query, 3000, 3100, cache, build_later=_never)
        next_block = fetch_block(conn, query, 3100, 3200, cache, build_later=_never)
    assert (first.strategy, again.strategy, next_block.strategy) == ("seek", "keyset", "keyset")
    assert first.rows == again.rows
    assert [r["id"] for r in next_block.rows] == _offset_answer(pg_engine, query, 3100, 100)


def test_second_jump_builds_landmarks_in_the_background(
    pg_engine: sa.Engine, jumps: GridTable
) -> None:
    assert ROWS > 2 * LANDMARK_STEP
    view = DataView(pg_engine, ["jumps"])
    state = GridState(
        {"grp": {"filterType": "set", "values": ["a", "c", "d"]}},
        [{"colId": "day", "sort": "asc"}],
    )
    query = view.query("jumps", state)
    got = []
    for start in (3300, 2100):  # the first jump seeks; the second seeks and starts the pass
        result = view.rows("jumps", state, start, start + 100)
        got.append((start, result))
        assert result.strategy == "seek"
    deadline = time.monotonic() + 20
    while view.landmark_builds() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert view.landmark_builds() == 0
    result = view.rows("jumps", state, 1200, 1300)
    assert result.strategy == "landmark"
    got.append((1200, result))
    for start, found in got:
        assert [r["id"] for r in found.rows] == _offset_answer(pg_engine, query, start, 100)


def test_a_deep_jump_waits_for_the_running_pass_of_its_view(
    pg_engine: sa.Engine, jumps: GridTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first rows start the default view's pass; it is slow to start here, so the jumps
    # made at once find it running.
    monkeypatch.setattr(landmark_passes, "PASS_START_DELAY_S", 0.6)
    view = DataView(pg_engine, ["jumps"], prewarm_rows=ROWS // 2)
    query = view.query("jumps", GridState())
    assert view.rows("jumps", GridState(), 0, 100).strategy == "offset"
    assert view.landmark_builds() == 1
    shallow = view.rows("jumps", GridState(), 1100, 1200)  # early rows: a seek is cheaper
    assert shallow.strategy == "seek" and view.landmark_builds() == 1
    started = time.monotonic()
    deep = view.rows("jumps", GridState(), 4200, 4300)  # later half: wait for the landmarks
    waited = time.monotonic() - started
    assert deep.strategy == "landmark" and view.landmark_builds() == 0
    assert 0.2 < waited < landmark_passes.PASS_WAIT_S
    for start, found in ((1100, shallow), (4200, deep)):
        assert [r["id"] for r in found.rows] == _offset_answer(pg_engine, query, start, 100)


def test_blocks_of_a_large_table_wait_for_no_count(
    pg_engine: sa.Engine, jumps: GridTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(counting, "EXACT_LIMIT", 1000)  # 5000 rows: a "large" table
    few = build_query(jumps, filter_model={"id": {"filterType": "number", "type": "lessThan",
                                                  "filter": 41}})  # fmt: skip
    with read_connection(pg_engine, 5000) as conn:
        everything = first_count(conn, build_query(jumps), TTLCache())
        cache = TTLCache()
        filtered = first_count(conn, few, cache)
        exact = counting.count_rows(conn, few, cache, exact=True)
        after = first_count(conn, few, cache)
    assert not everything.exact and everything.value == pytest.approx(ROWS, rel=0.1)
    assert not filtered.exact  # the planner's figure, though a probe would have been exact
    assert exact.exact and exact.value == 40
    assert after == exact  # once known, the exact count is what blocks carry


def test_blocks_of_a_small_table_carry_an_exact_count(
    pg_engine: sa.Engine, jumps: GridTable
) -> None:
    query = build_query(jumps, filter_model={"grp": {"filterType": "set", "values": ["a"]}})
    with read_connection(pg_engine, 5000) as conn:
        count = first_count(conn, query, TTLCache())
    assert count.exact and count.value == ROWS // 4


@pytest.fixture
def source_engine(pg_engine: sa.Engine) -> Iterator[sa.Engine]:
    """An engine built the way data sources are (no pre-ping), on the test database."""
    engine = make_engine(pg_engine.url.render_as_string(hide_password=False), pool_size=1)
    yield engine
    engine.dispose()


def _session_defaults(engine: sa.Engine) -> tuple[str, str, str, bool]:
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        return (
            conn.exec_driver_sql("SHOW transaction_read_only").scalar_one(),
            conn.exec_driver_sql("SHOW statement_timeout").scalar_one(),
            conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar_one(),
            bool(raw.autocommit),
        )


def test_pooled_connection_goes_back_clean(source_engine: sa.Engine, jumps: GridTable) -> None:
    clean = _session_defaults(source_engine)
    with read_connection(source_engine, 1234, 4321) as conn:
        inside = (
            conn.exec_driver_sql("SHOW transaction_read_only").scalar_one(),
            conn.exec_driver_sql("SHOW statement_timeout").scalar_one(),
            conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar_one(),
        )
    assert inside == ("on", "1234ms", "4321ms")
    assert _session_defaults(source_engine) == clean
    with pytest.raises(GridQueryError), read_connection(source_engine, 50) as conn:
        conn.exec_driver_sql("SELECT pg_sleep(1)")
    assert _session_defaults(source_engine) == clean
    streamed = list(export_rows(source_engine, build_query(jumps), ["id"], 10, 5000))
    assert len(streamed) == 10
    assert _session_defaults(source_engine) == clean
    assert clean[:2] == ("off", "0") and clean[3] is False


def test_a_dropped_pooled_connection_is_replaced_without_an_error(
    source_engine: sa.Engine, pg_engine: sa.Engine
) -> None:
    with read_connection(source_engine, 5000) as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    with pg_engine.connect() as admin:  # what a server restart does to pooled connections
        assert admin.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    time.sleep(0.2)
    with read_connection(source_engine, 5000) as conn:
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != pid


def test_pooled_connections_with_high_descriptors_are_handed_out(
    source_engine: sa.Engine,
) -> None:
    # A long-lived web process holds many descriptors: the checkout hook must see a live
    # connection as live whatever its descriptor's number (select() stops at 1,024).
    import os
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1200
    if soft < wanted + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, wanted + 500), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(wanted)]
    try:
        for _ in range(3):  # a new connection, then the pooled one handed out again
            with read_connection(source_engine, 5000) as conn:
                raw = conn.connection.dbapi_connection
                assert raw is not None and raw.fileno() > 1024
                assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
    finally:
        for descriptor in held:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture
def relayed(pg_engine: sa.Engine) -> Iterator[tuple[sa.Engine, Any]]:
    """A data-source engine whose connections pass through a relay that logs their queries."""
    url = pg_engine.url
    with counting_relay(url.host or "127.0.0.1", url.port or 5432) as (port, log):
        relayed_url = url.set(host="127.0.0.1", port=port, query={"sslmode": "disable"})
        engine = make_engine(relayed_url.render_as_string(hide_password=False), pool_size=1)
        try:
            yield engine, log
        finally:
            engine.dispose()


def test_a_grid_block_costs_one_round_trip_read_only_with_the_timeout(
    relayed: tuple[sa.Engine, Any], jumps: GridTable
) -> None:
    engine, log = relayed
    table = discover_table(engine, "jumps")
    query = build_query(table)
    cache = TTLCache()
    with read_connection(engine, 5000) as conn:  # the pool's first connection: its set-up
        fetch_block(conn, query, 0, 100, cache)
    log.taken()
    with read_connection(engine, 1234) as conn:
        block = fetch_block(conn, query, 100, 200, cache)  # the scroll's next block
    sent = log.taken()
    assert [r["id"] for r in block.rows] == list(range(101, 201))
    assert len(sent) == 1, sent  # no BEGIN before it, no ROLLBACK after it
    assert sent[0].startswith("SET LOCAL transaction_read_only = on; ")
    assert "SET LOCAL statement_timeout = 1234; " in sent[0]


def test_each_statement_ends_its_transaction_but_a_summary_sees_one_snapshot(
    source_engine: sa.Engine, pg_engine: sa.Engine
) -> None:
    import psycopg2.extensions as ext

    with pg_engine.begin() as setup:
        setup.exec_driver_sql("DROP TABLE IF EXISTS arriving")
        setup.exec_driver_sql("CREATE TABLE arriving (id integer PRIMARY KEY)")

    def arrive(row: int) -> None:  # another session commits a row meanwhile
        with pg_engine.begin() as other:
            other.exec_driver_sql(f"INSERT INTO arriving VALUES ({row})")

    count = "SELECT count(*) FROM arriving"
    with read_connection(source_engine, 5000) as conn:
        assert conn.exec_driver_sql(count).scalar_one() == 0
        raw = conn.connection.dbapi_connection
        assert raw is not None and raw.get_transaction_status() == ext.TRANSACTION_STATUS_IDLE
        arrive(1)  # no snapshot is held between statements: the next one sees it
        assert conn.exec_driver_sql(count).scalar_one() == 1
    with read_connection(source_engine, 5000, snapshot=True) as conn:
        assert conn.exec_driver_sql(count).scalar_one() == 1
        assert conn.exec_driver_sql("SHOW transaction_read_only").scalar_one() == "on"
        arrive(2)  # KPIs and charts of one summary describe the same rows
        assert conn.exec_driver_sql(count).scalar_one() == 1
    assert _session_defaults(source_engine)[:2] == ("off", "0")
