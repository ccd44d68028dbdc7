"""The baseline for bench_scale.py: a minimal Dash + AG Grid infinite-row-model app on one table.

What a developer writes from the dash-ag-grid docs: one callback answers getRowsRequest with
`ORDER BY ... LIMIT ... OFFSET ...`, set filters as `IN (...)`, no count (the grid learns the
last row from a short block), no caching. Bench-only code: dashapp does not import it.
`--estimate`: a first block that comes back full is sent with the planner's estimate of the
matching rows as its row count (one EXPLAIN), as the issue's "estimate first" asks of dashapp:
the like-for-like baseline for a first block.

python bench/minimal_grid_app.py --url postgresql+psycopg2://... --tables facts_1m --port 8099
"""

from __future__ import annotations

import argparse
from typing import Any

import dash_ag_grid as dag
import sqlalchemy as sa
from dash import Dash, Input, Output

GRID = "grid"
COLUMNS = ("id", "day", "region", "status", "amount", "customer")


def build_app(url: str, tables: list[str], estimate: bool = False) -> Dash:
    """The app: a grid on `tables[0]` (the request's context may name another of `tables`)."""
    engine = sa.create_engine(url, pool_size=4)
    meta = sa.MetaData()
    known = {name: sa.Table(name, meta, autoload_with=engine) for name in tables}
    app = Dash(__name__)
    app.layout = dag.AgGrid(
        id=GRID,
        rowModelType="infinite",
        columnDefs=[{"field": c} for c in COLUMNS],
        dashGridOptions={"cacheBlockSize": 100, "context": {"table": tables[0]}},
    )

    @app.callback(Output(GRID, "getRowsResponse"), Input(GRID, "getRowsRequest"))
    def rows(request: dict[str, Any]) -> dict[str, Any]:
        table = known[(request.get("context") or {}).get("table") or tables[0]]
        start, end = int(request["startRow"]), int(request["endRow"])
        stmt = sa.select(*(table.c[c] for c in COLUMNS))
        for column, model in (request.get("filterModel") or {}).items():
            if model.get("filterType") == "set":
                stmt = stmt.where(table.c[column].in_(model["values"]))
        for sort in request.get("sortModel") or []:
            column = table.c[sort["colId"]]
            stmt = stmt.order_by(column.desc() if sort["sort"] == "desc" else column.asc())
        counted = stmt
        stmt = stmt.order_by(table.c.id).offset(start).limit(end - start)
        with engine.connect() as conn:
            data = [dict(r._mapping) for r in conn.execute(stmt)]
            planned = None
            if estimate and start == 0 and len(data) == end - start:
                sql = counted.compile(engine, compile_kwargs={"render_postcompile": True})
                plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(sql), sql.params)
                planned = int(plan.scalar_one()[0]["Plan"]["Plan Rows"])
        for row in data:
            row["day"] = row["day"].isoformat()
            row["amount"] = float(row["amount"])
        # The last row is known only when a block comes back short.
        count = start + len(data) if len(data) < end - start else planned
        return {"rowData": data, "rowCount": count}

    return app


def main() -> None:
    """Serve the baseline app."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--tables", required=True, help="comma-separated; the first is shown")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--estimate", action="store_true", help="send an estimate (see above)")
    args = parser.parse_args()
    app = build_app(args.url, args.tables.split(","), args.estimate)
    app.run(host="127.0.0.1", port=args.port, debug=False, threaded=True)


if __name__ == "__main__":
    main()
