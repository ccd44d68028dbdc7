"""Set-filter choices on a large PostgreSQL table come from rows all over it, not its start."""

from __future__ import annotations

import sqlalchemy as sa

from dashapp.dataview import schema, set_choices
from tests.support.services import throwaway_postgres_database, with_driver


def test_a_value_found_only_at_the_end_of_a_large_table_is_offered() -> None:
    rows = 300_000  # over EXACT_ROWS: the choices are sampled
    assert rows > set_choices.EXACT_ROWS
    with throwaway_postgres_database("dashapp_set_sample") as url:
        engine = sa.create_engine(with_driver(url))
        with engine.begin() as conn:
            # The last 20 % of the rows, and only they, are 'late'; all of them come after the
            # first SAMPLE_ROWS rows in the table's storage order.
            conn.execute(
                sa.text(
                    "CREATE TABLE shipments AS SELECT g AS id, CASE WHEN g > :cut THEN 'late'"
                    " ELSE (ARRAY['packed','sent','delivered'])[1 + g % 3] END AS status"
                    " FROM generate_series(1, :rows) g"
                ),
                {"cut": rows * 8 // 10, "rows": rows},
            )
            conn.execute(sa.text("ALTER TABLE shipments ADD PRIMARY KEY (id)"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE shipments"))
        table = schema.discover_table(engine, "shipments")
        status = next(c for c in table.columns if c.name == "status")
        assert status.choices == ("delivered", "late", "packed", "sent")
        # The same choices every time (a fixed seed): all web processes offer the same.
        again = next(c for c in schema.discover_table(engine, "shipments").columns
                     if c.name == "status")  # fmt: skip
        assert again.choices == status.choices
        engine.dispose()
