"""Deep jumps in the data view's service at 1M and 10M rows: seeks, then landmark jumps.

.venv/bin/python bench/bench_jumps.py [--db dashapp_bench_scale_kept] [--sizes 1000000,10000000]

Uses the tables `bench/bench_scale.py --keep-db NAME` built and kept (run that first). For each
table, in one DataView (no HTTP, no Dash): first rows; a jump to 90 % and one to 50 % (no
landmarks yet: both seek, and the second starts the background landmark pass); the time until
that pass has finished; then five jumps to other depths, which use the landmarks (median).
Prints each figure and the 10M / 1M ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashapp.services.datasources.sources import make_engine  # noqa: E402
from dashapp.services.grid.service import DataView, GridState  # noqa: E402
from tests.support.services import PG_ADMIN_URL  # noqa: E402

BLOCK = 100
LATER = (0.7, 0.33, 0.81, 0.12, 0.66)


def label(rows: int) -> str:
    """facts_1m, facts_10m (the names bench_scale.py gives its tables)."""
    return f"facts_{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"facts_{rows // 1000}k"


def jumps(view: DataView, table: str, rows: int) -> dict[str, float]:
    """Milliseconds per step (the landmark pass in seconds)."""
    state = GridState()
    found: dict[str, float] = {}

    def block(name: str, start: int, strategy: str) -> float:
        started = time.perf_counter()
        result = view.rows(table, state, start, start + BLOCK)
        elapsed = (time.perf_counter() - started) * 1000
        assert result.strategy == strategy and len(result.rows) == BLOCK, (name, result.strategy)
        return elapsed

    found["first rows"] = block("first rows", 0, "offset")
    found["jump to 90 % (seek)"] = block("90", int(rows * 0.9), "seek")
    found["jump to 50 % (seek)"] = block("50", int(rows * 0.5), "seek")
    started = time.perf_counter()
    while view.landmark_builds():
        time.sleep(0.05)
    found["landmark pass, s after"] = time.perf_counter() - started
    later = [block(f"{s}", int(rows * s) + 17, "landmark") for s in LATER]
    found["later jumps (landmarks), median"] = statistics.median(later)
    return found


def main() -> None:
    """Time the jumps on each kept table and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="dashapp_bench_scale_kept")
    parser.add_argument("--sizes", default="1000000,10000000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    engine = make_engine(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{args.db}")
    results = {}
    for rows in sizes:
        table = label(rows)
        view = DataView(engine, [table], timeout_ms=120_000)
        view.rows(table, GridState(), 0, BLOCK)  # reflect the table first (not timed)
        results[rows] = jumps(view, table, rows)
    small, large = sizes[0], sizes[-1]
    print(f"{'step':36s} " + " ".join(f"{label(s):>10s}" for s in sizes) + "   ratio")
    for name in results[small]:
        cells = " ".join(f"{results[s][name]:10.1f}" for s in sizes)
        print(f"{name:36s} {cells}   {results[large][name] / results[small][name]:.2f}")
    engine.dispose()


if __name__ == "__main__":
    main()
