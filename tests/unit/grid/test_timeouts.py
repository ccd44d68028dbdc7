"""PostgreSQL statement timeouts: clear user errors; a slow count falls back to an estimate."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from dashapp.dataview.counting import count_rows
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.query import build_query
from dashapp.dataview.schema import discover_table
from dashapp.dataview.session import read_connection

pytestmark = pytest.mark.postgres


def test_slow_statement_is_stopped_with_a_clear_message(pg_engine: sa.Engine) -> None:
    with pytest.raises(GridQueryError, match="took longer than 0.05 s"):
        with read_connection(pg_engine, 50) as conn:
            conn.execute(sa.text("SELECT pg_sleep(2)"))


def test_connection_is_read_only(pg_engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.InternalError), read_connection(pg_engine, 1000) as conn:
        conn.execute(sa.text("DELETE FROM items"))


def test_count_over_the_timeout_uses_the_planner_estimate(pg_engine: sa.Engine) -> None:
    items = discover_table(pg_engine, "items")
    query = build_query(items)
    # A condition that sleeps per row makes the exact count miss a 100 ms timeout.
    slow = replace(query, conditions=(sa.text("(SELECT 1 FROM pg_sleep(0.005 + id * 0)) = 1"),))
    with read_connection(pg_engine, 100) as conn:
        result = count_rows(conn, slow, None)
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1  # transaction still usable
    assert not result.exact
    assert result.value > 0
