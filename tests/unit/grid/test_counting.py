"""Counts: exact up to a bound, the planner's estimate beyond it, exact on demand."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dashapp.dataview import counting
from dashapp.dataview.counting import RowCount, count_rows
from dashapp.dataview.query import build_query
from dashapp.dataview.schema import discover_table
from dashapp.dataview.service import settle_estimate
from dashapp.dataview.session import read_connection
from tests.unit.grid.conftest import ROWS

pytestmark = pytest.mark.postgres


def test_large_results_are_estimated_unless_asked(
    pg_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE items")
    monkeypatch.setattr(counting, "EXACT_LIMIT", 100)  # 240 rows: over the bound
    query = build_query(discover_table(pg_engine, "items"))
    with read_connection(pg_engine, 5000) as conn:
        estimated = count_rows(conn, query)
        exact = count_rows(conn, query, exact=True)
        small = count_rows(conn, build_query(query.table, quick="=SUM"))
        listed = build_query(
            query.table,
            filter_model={"category": {"filterType": "set", "values": ["red", "blue", "green"]}},
        )
        in_list = count_rows(conn, listed)  # an IN (...) filter estimated by EXPLAIN
    assert not estimated.exact and estimated.value >= 101  # never below what the probe saw
    assert estimated.value == pytest.approx(len(ROWS), rel=0.2)  # the planner's figure
    assert exact == RowCount(len(ROWS), True)
    assert not in_list.exact and in_list.value > 100
    assert small.exact and small.value == sum(1 for r in ROWS if "=SUM" in str(r["name"]))


def test_blocks_settle_an_estimate() -> None:
    guess = RowCount(1000, exact=False)
    assert settle_estimate(RowCount(500), 0, 100, 100) == (500, True)  # exact stays
    assert settle_estimate(guess, 900, 1000, 40) == (940, True)  # a short block: the end
    assert settle_estimate(guess, 0, 100, 7) == (7, True)
    assert settle_estimate(guess, 1000, 1100, 100) == (1101, False)  # more than estimated
    assert settle_estimate(guess, 200, 300, 100) == (1000, False)
    assert settle_estimate(guess, 900, 1000, 100) == (1000, False)  # ends there, or later
    assert settle_estimate(guess, 5000, 5100, 0) == (1000, False)  # past the end
    assert settle_estimate(guess, 800, 900, 0) == (800, False)  # fewer rows than estimated


def test_estimates_are_the_planners_figure_for_each_filter_of_one_shape(
    pg_engine: sa.Engine,
) -> None:
    # One compiled EXPLAIN serves every filter of a shape (cached, its IN list expanded at
    # execution): each answer must still be the planner's figure for that filter's own values.
    with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE items")
    table = discover_table(pg_engine, "items")
    chosen = [["red"], ["blue", "green"], ["red", "blue", "green"], ["nowhere"], ["blue"]]
    with read_connection(pg_engine, 5000) as conn:
        for values in chosen:
            query = build_query(
                table, filter_model={"category": {"filterType": "set", "values": values}}
            )
            listed = ", ".join(f"'{v}'" for v in values)
            plan = conn.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) SELECT 1 FROM items WHERE category IN ({listed})"
            ).scalar_one()
            assert counting._estimate(conn, query) == plan[0]["Plan"]["Plan Rows"], values
