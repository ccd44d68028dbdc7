"""Deep jumps in the data view's service at 1M and 10M rows: seeks, then landmark jumps.

.venv/bin/python bench/bench_jumps.py [--db dashapp_bench_scale_kept] [--sizes 1000000,10000000]

Uses the tables `bench/bench_scale.py --keep-db NAME` built and kept (run that first). For each
table, in DataViews of their own (no HTTP, no Dash; each is one web process's cache):

1. as before the default view was prewarmed (`prewarm_rows` above the table's size): first
   rows; a jump to 90 % and one to 50 % (no landmarks yet: both seek, and the second starts
   the background landmark pass); the time until that pass has finished; then five jumps to
   other depths, which use the landmarks (median);
2. now: first rows start the default view's landmark pass; the time until it has finished
   (what a user reading the first rows gives it); then the first deep jump (90 %, never
   jumped before: cold) and, in a second DataView sharing the landmarks through Redis
   (`--redis`, another gunicorn worker), its first request of all, a deep jump to 60 %.
3. the default view's landmark pass itself, both ways (median of three, seconds): numbering
   every row (any filter and sort; what the default view used before) and hopping along the
   primary key's index (paging.walks_primary_key: what it uses now).

Prints each figure and the 10M / 1M ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashapp.dataview import paging  # noqa: E402
from dashapp.dataview.service import PREWARM_ROWS, DataView, GridState  # noqa: E402
from dashapp.dataview.session import read_connection  # noqa: E402
from dashapp.dataview.sources.sources import make_engine  # noqa: E402
from tests.support.services import PG_ADMIN_URL  # noqa: E402

BLOCK = 100
LATER = (0.7, 0.33, 0.81, 0.12, 0.66)
WAYS = ("numbered", "hopping")
NEVER = 10**12  # prewarm_rows no table reaches: the first scenario's views never prewarm


def label(rows: int) -> str:
    """facts_1m, facts_10m (the names bench_scale.py gives its tables)."""
    return f"facts_{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"facts_{rows // 1000}k"


def block(view: DataView, table: str, start: int, strategy: str) -> float:
    """Milliseconds for rows [start, start + BLOCK), checking how they were found."""
    started = time.perf_counter()
    result = view.rows(table, GridState(), start, start + BLOCK)
    elapsed = (time.perf_counter() - started) * 1000
    assert result.strategy == strategy and len(result.rows) == BLOCK, (start, result.strategy)
    return elapsed


def wait_for_pass(view: DataView) -> float:
    """Seconds until the view's landmark pass has finished."""
    started = time.perf_counter()
    while view.landmark_builds():
        time.sleep(0.02)
    return time.perf_counter() - started


def jumps_before(view: DataView, table: str, rows: int) -> dict[str, float]:
    """Scenario 1 (no prewarm): milliseconds per step (the landmark pass in seconds)."""
    found = {"first rows": block(view, table, 0, "offset")}
    found["jump to 90 % (seek)"] = block(view, table, int(rows * 0.9), "seek")
    found["jump to 50 % (seek)"] = block(view, table, int(rows * 0.5), "seek")
    found["landmark pass, s after"] = wait_for_pass(view)
    later = [block(view, table, int(rows * s) + 17, "landmark") for s in LATER]
    found["later jumps (landmarks), median"] = statistics.median(later)
    return found


def jumps_prewarmed(first: DataView, other: DataView, table: str, rows: int) -> dict[str, float]:
    """Scenario 2: the default view's pass starts with the first rows."""
    started = time.perf_counter()
    found = {"first rows (starts the pass)": block(first, table, 0, "offset")}
    wait_for_pass(first)
    found["pass done, s after first rows"] = time.perf_counter() - started
    found["first deep jump, 90 % (cold)"] = block(first, table, int(rows * 0.9), "landmark")
    found["other process's first request: 60 %"] = block(other, table, int(rows * 0.6), "landmark")
    return found


def pass_both_ways(view: DataView, table: str) -> dict[str, float]:
    """Scenario 3: seconds for the default view's pass, numbered and hopping (median of 3)."""
    query = view.query(table, GridState())
    assert paging.walks_primary_key(query)
    found = {}
    for name, stmt in (
        ("default view's pass, numbered, s", paging.numbered_pass(query, paging.LANDMARK_STEP)),
        ("default view's pass, hopping, s", paging.skip_scan(query, paging.LANDMARK_STEP)),
    ):
        took = []
        for _ in range(3):
            with read_connection(view.engine, 120_000) as conn:
                started = time.perf_counter()
                marks = conn.execute(stmt).all()
                took.append(time.perf_counter() - started)
        exact = view.count(table, GridState(), exact=True).value  # not the planner's guess
        assert len(marks) == exact // paging.LANDMARK_STEP
        found[name] = statistics.median(took)
    return found


def main() -> None:
    """Time the jumps on each kept table and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="dashapp_bench_scale_kept")
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="flushed first")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    engine = make_engine(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{args.db}")
    shared = redis.Redis.from_url(args.redis)
    results = {}
    for rows in sizes:
        table = label(rows)

        def view(prewarm_rows: int, table: str = table) -> DataView:
            made = DataView(
                engine, [table], timeout_ms=120_000, shared_url=args.redis,
                prewarm_rows=prewarm_rows,
            )  # fmt: skip
            made.table(table)  # reflect the table first (not timed)
            return made

        shared.flushdb()  # each scenario starts with no landmarks anywhere
        results[rows] = jumps_before(view(NEVER), table, rows)
        shared.flushdb()
        results[rows] |= jumps_prewarmed(view(PREWARM_ROWS), view(PREWARM_ROWS), table, rows)
        results[rows] |= pass_both_ways(view(NEVER), table)
    small, large = sizes[0], sizes[-1]
    print(f"{'step':36s} " + " ".join(f"{label(s):>10s}" for s in sizes) + "   ratio")
    for name in results[small]:
        cells = " ".join(f"{results[s][name]:10.1f}" for s in sizes)
        print(f"{name:36s} {cells}   {results[large][name] / results[small][name]:.2f}")
    for rows in sizes:
        numbered, hopping = (results[rows][f"default view's pass, {way}, s"] for way in WAYS)
        print(f"{label(rows)}: hopping / numbered pass = {hopping / numbered:.2f}")
    engine.dispose()


if __name__ == "__main__":
    main()
