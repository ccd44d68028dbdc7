"""Quick search in foreign-key labels, bounded by the referenced table's size (SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dashapp.dataview import schema
from dashapp.dataview.query import build_query
from dashapp.dataview.schema import discover_table


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        conn.exec_driver_sql(
            "CREATE TABLE invoice (id INTEGER PRIMARY KEY, "
            "customer_id INTEGER NOT NULL REFERENCES customer (id), note TEXT)"
        )
        conn.exec_driver_sql("INSERT INTO customer VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Edsger')")
        conn.exec_driver_sql(
            "INSERT INTO invoice VALUES (1, 1, 'rush'), (2, 2, NULL), (3, 2, 'gift'), (4, 3, 'ada')"
        )
    return engine


def _found(engine: sa.Engine, quick: str) -> list[int]:
    table = discover_table(engine, "invoice")
    query = build_query(table, quick=quick)
    stmt = sa.select(table.table.c.id).where(*query.conditions).order_by(table.table.c.id)
    with engine.connect() as conn:
        return list(conn.execute(stmt).scalars())


def test_quick_search_reads_the_label_and_the_rows_own_text(engine: sa.Engine) -> None:
    assert _found(engine, "grace") == [2, 3]  # the label only
    assert _found(engine, "ada") == [1, 4]  # the label (invoice 1) or the note (invoice 4)
    assert _found(engine, "grace gift") == [3]  # every word, each somewhere


def test_a_large_referenced_table_is_not_searched(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "LABEL_SEARCH_ROWS", 2)  # the 3 customers count as "large"
    assert discover_table(engine, "invoice").label_searches == {}
    assert _found(engine, "grace") == []
    assert _found(engine, "ada") == [4]
