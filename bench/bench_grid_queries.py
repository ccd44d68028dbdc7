"""Server time per grid block request, at the top and deep in the result, on PostgreSQL.

.venv/bin/python bench/bench_grid_queries.py [--rows 1000000] [--requests 200] [--database-url URL]

Without --database-url it seeds a throwaway database with the app's seed service (COPY).
Prints p50/p95 in ms per scenario: top (rows 0-1,000), depth (the last 10 %), and the one-off
cost of the first deep jump of a filter+sort (the landmark pass, cached afterwards).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashapp import create_app  # noqa: E402
from dashapp.dataview.service import DataView, GridState  # noqa: E402
from dashapp.extensions import db  # noqa: E402
from dashapp.seeding.seed import seed  # noqa: E402
from dashapp.seeding.seed_data import SeedPlan  # noqa: E402
from dashapp.settings import load_settings  # noqa: E402
from tests.support.services import throwaway_postgres_database, with_driver  # noqa: E402

SCENARIOS = {
    "default sort (id)": GridState(),
    "date desc + status=returned": GridState(
        sort_model=[{"colId": "order_date", "sort": "desc"}], facets={"status": ["returned"]}
    ),
    "amount>50 sort amount asc": GridState(
        filter_model={"amount": {"filterType": "number", "type": "greaterThan", "filter": 50}},
        sort_model=[{"colId": "amount", "sort": "asc"}],
    ),
    "region North + channel sort": GridState(
        sort_model=[{"colId": "channel", "sort": "asc"}], facets={"region": ["North"]}
    ),
}


def prepare(url: str, rows: int) -> None:
    """Migrate and seed `rows` orders, then VACUUM ANALYZE as autovacuum would."""
    with tempfile.TemporaryDirectory() as instance:
        settings = load_settings(
            instance_path=Path(instance), database_url=url, redis_url=None, log_level="WARNING"
        )
        server = create_app(settings)
        with server.app_context():
            upgrade(revision="heads")
            started = time.perf_counter()
            seed(db.engine, SeedPlan.for_orders(rows))
            print(f"seeded {rows:,} orders in {time.perf_counter() - started:.1f} s")
            db.engine.dispose()
    engine = sa.create_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE orders"))
    engine.dispose()


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(url: str, requests: int) -> None:
    """Time block requests for each scenario."""
    engine = sa.create_engine(url, pool_size=2)
    view = DataView(engine, ["orders"], timeout_ms=10_000)
    rng = random.Random(1)
    print(f"{'scenario':32s} {'rows':>10s} {'first':>8s} {'top p50/p95':>14s} "
          f"{'jump':>8s} {'depth p50/p95':>15s} {'seq p50/p95':>14s}")  # fmt: skip
    for name, state in SCENARIOS.items():
        first = view.rows("orders", state, 0, 100)  # count + first block, cold
        total = first.row_count
        top = [view.rows("orders", state, s, s + 100).elapsed_ms
               for s in (rng.randrange(0, 10) * 100 for _ in range(requests))]  # fmt: skip
        deep_start = max(0, int(total * 0.9) // 100 * 100)
        jump = view.rows("orders", state, deep_start, deep_start + 100)  # landmark pass
        depth = [view.rows("orders", state, s, s + 100).elapsed_ms
                 for s in (rng.randrange(deep_start, max(deep_start + 1, total - 100)) // 100 * 100
                           for _ in range(requests))]  # fmt: skip
        stop = min(total, deep_start + 100 * requests)
        seq = [view.rows("orders", state, s, s + 100).elapsed_ms
               for s in range(deep_start, stop, 100)]  # fmt: skip
        print(
            f"{name:32s} {total:>10,} {first.elapsed_ms:7.1f}ms "
            f"{statistics.median(top):6.1f}/{pct(top, 0.95):5.1f}ms {jump.elapsed_ms:7.1f}ms "
            f"{statistics.median(depth):6.1f}/{pct(depth, 0.95):6.1f}ms "
            f"{statistics.median(seq or [0]):6.1f}/{pct(seq or [0], 0.95):5.1f}ms"
        )
    engine.dispose()


def main() -> None:
    """Parse arguments, prepare a database unless given one, run the scenarios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", help="an already seeded PostgreSQL database")
    args = parser.parse_args()
    if args.database_url:
        run(with_driver(args.database_url), args.requests)
        return
    with throwaway_postgres_database("dashapp_bench_grid") as url:
        prepare(with_driver(url), args.rows)
        run(with_driver(url), args.requests)


if __name__ == "__main__":
    main()
