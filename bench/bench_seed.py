"""Seed throughput: orders/s with COPY on PostgreSQL and batched inserts on SQLite.

.venv/bin/python bench/bench_seed.py [--rows 1000000] [--sqlite-rows 200000]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashapp import create_app  # noqa: E402
from dashapp.extensions import db  # noqa: E402
from dashapp.seeding.seed import SeedResult, seed  # noqa: E402
from dashapp.seeding.seed_data import SeedPlan  # noqa: E402
from dashapp.settings import load_settings  # noqa: E402
from tests.support.services import throwaway_postgres_database, with_driver  # noqa: E402


def run(database_url: str | None, rows: int) -> SeedResult:
    """Migrate a fresh database and seed `rows` orders into it."""
    with tempfile.TemporaryDirectory() as instance:
        server = create_app(
            load_settings(
                instance_path=Path(instance),
                database_url=database_url,
                redis_url=None,
                log_json=False,
                log_level="WARNING",
            )
        )
        with server.app_context():
            upgrade(revision="heads")
            result = seed(db.engine, SeedPlan.for_orders(rows))
            db.engine.dispose()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sqlite-rows", type=int, default=200_000)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    with throwaway_postgres_database("dashapp_bench") as url:
        pg = run(with_driver(url), args.rows)
    lite = run(None, args.sqlite_rows)
    for name, result in (("postgresql COPY", pg), ("sqlite batched", lite)):
        print(
            f"{name:16s} {result.orders:>10,} orders {result.seconds:7.1f} s "
            f"{result.orders_per_second:>10,.0f} orders/s"
        )


if __name__ == "__main__":
    main()
