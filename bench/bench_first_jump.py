"""A person's first scrollbar jump in a real browser, on 1M and 10M PostgreSQL rows.

.venv/bin/python bench/bench_first_jump.py [--db dashapp_bench_scale_kept]
    [--sizes 1000000,10000000] [--runs 5] [--pause 0]

Uses the tables `bench/bench_scale.py --keep-db NAME` built and kept (run that first). Each run
serves dashapp in a fresh process (`dashapp run`, the tables as a source in a dashboards file,
no Redis: nothing is left over from an earlier run), then for each size opens `/?table=...` in
headless Chromium, waits for the first cell, waits `--pause` seconds (default none: the jump
follows the first cell at once, faster than a person could), and jumps to row 90 % with the
grid's own `ensureIndexVisible`, as dragging the scrollbar there does. Times, per size:

- navigation -> first cell;
- jump -> the row's cell shown (what the person waits for), and the server's time for that
  block and how it found it (from the app's log: "landmark", or "seek" when the default view's
  landmark pass had not finished).

Prints medians over runs and the 10M / 1M ratio. The pass starts when the page opens
(DataView.open_table), so it runs while the page's scripts load and the first rows arrive.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_grid_browser import chromium, wait_for  # noqa: E402
from bench_scale import dashapp_setup, kept_database, label, serve  # noqa: E402

from tests.support.dash_requests import callbacks_of  # noqa: E402
from tests.support.services import with_driver  # noqa: E402

API = "dash_ag_grid.getApi('dash-grid')"
# The server's line for one block (service.DataView.rows logs it at INFO).
BLOCK_LOG = re.compile(r"grid block (\S+) rows (\d+)-\d+: \d+ rows via (\w+) in ([\d.]+) ms")


def cell_shown(row: int) -> str:
    """JavaScript: the text of row `row`'s id cell, once the grid shows it."""
    cell = f'#dash-grid .ag-row[row-index="{row}"] .ag-cell[col-id="id"]'
    return f"var e=document.querySelector('{cell}'); return e && e.textContent.trim();"


def server_block(log: Path, table: str, start: int) -> tuple[str, float]:
    """(strategy, server ms) of the block of `table` starting at `start`, from the app's log."""
    for line in reversed(log.read_text().splitlines()):
        found = BLOCK_LOG.search(line)
        if found and found.group(1) == table and int(found.group(2)) == start:
            return found.group(3), float(found.group(4))
    return "?", float("nan")


def main() -> None:
    """Serve dashapp, open each table in Chromium, jump deep at once, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="dashapp_bench_scale_kept")
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pause", type=float, default=0.0, help="seconds after the first cell")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("load average at start: " + ", ".join(f"{v:.1f}" for v in os.getloadavg()))
    found: dict[int, list[tuple[float, float, str, float]]] = {rows: [] for rows in sizes}
    with (
        kept_database(args.db) as raw_url,
        tempfile.TemporaryDirectory(prefix="dashapp-jump-") as tmp,
    ):
        work, url = Path(tmp), with_driver(raw_url)
        # No Redis: each run's fresh process starts without landmarks from an earlier run.
        env, local = dashapp_setup(work, url, sizes, log_level="INFO")
        command = [sys.executable, "-m", "dashapp.cli", "run"]
        driver = chromium()
        try:
            for run in range(args.runs):
                log = work / f"dashapp-{run}.log"
                with serve(command, env, callbacks_of(local), log) as served:
                    for rows in sizes:
                        table = label(rows)
                        driver.get("about:blank")
                        started = time.perf_counter()
                        driver.get(f"{served.url}/?table={table}")
                        wait_for(driver, cell_shown(0))
                        first = (time.perf_counter() - started) * 1000
                        time.sleep(args.pause)
                        target = int(rows * 0.9)
                        started = time.perf_counter()
                        driver.execute_script(f"{API}.ensureIndexVisible({target}, 'top');")
                        wait_for(driver, cell_shown(target))
                        jump = (time.perf_counter() - started) * 1000
                        block_start = target // 100 * 100
                        strategy, server_ms = server_block(log, table, block_start)
                        found[rows].append((first, jump, strategy, server_ms))
                print(f"run {run + 1}/{args.runs} done", flush=True)
        finally:
            driver.quit()
    print()
    heads = ("nav->first cell", "jump->row shown", "server block")
    print(f"{'table':10s} {heads[0]:>16s} {heads[1]:>16s} {heads[2]:>13s}  how")
    medians = {}
    for rows in sizes:
        runs = found[rows]
        first, jump, server = (statistics.median(r[i] for r in runs) for i in (0, 1, 3))
        how = ", ".join(sorted({r[2] for r in runs}))
        medians[rows] = (first, jump, server)
        print(f"{label(rows):10s} {first:13.0f} ms {jump:13.0f} ms {server:10.1f} ms  {how}")
        print(f"{'':10s} each run (first cell, jump, server, how): {runs}")
    small, large = sizes[0], sizes[-1]
    ratios = [medians[large][i] / medians[small][i] for i in range(3)]
    print(
        f"ratio {label(large)}/{label(small)}: first cell {ratios[0]:.2f}, jump {ratios[1]:.2f}, "
        f"server block {ratios[2]:.2f}"
    )
    print("load average at end: " + ", ".join(f"{v:.1f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
