"""Navigation -> first grid rows in headless Chromium, and web-process memory after scrolling.

.venv/bin/python bench/bench_grid_browser.py [--sizes 10000,1000000] [--loads 5] [--scrolls 60]

For each size it seeds a throwaway PostgreSQL database, serves the app in this process (a
threaded werkzeug server), opens "/" in headless Chromium `--loads` times and reports the median
time from navigation to the first rendered cell; then it scrolls through `--scrolls` random deep
positions and reports this process's RSS before and after.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

import psutil
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_grid_queries import prepare  # noqa: E402  (bench/ is on sys.path as the script dir)

from dashapp import create_app  # noqa: E402
from dashapp.settings import load_settings  # noqa: E402
from tests.support.browser import free_port  # noqa: E402
from tests.support.services import throwaway_postgres_database, with_driver  # noqa: E402

FIRST_CELL = (
    'var e=document.querySelector(\'#dash-grid .ag-row[row-index="0"] .ag-cell[col-id="id"]\');'
    "return e && e.textContent.trim();"
)


def chromium() -> webdriver.Chrome:
    """Headless Debian Chromium."""
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    flags = ("--headless=new", "--window-size=1280,900", "--no-sandbox", "--disable-dev-shm-usage")
    for flag in flags:
        options.add_argument(flag)
    return webdriver.Chrome(options=options)


def wait_for(driver: webdriver.Chrome, script: str, timeout: float = 30) -> object:
    """Poll `script` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.01)
    raise TimeoutError(script)


def measure(url: str, rows: int, loads: int, scrolls: int) -> None:
    """Serve the app on `url`'s database and time it in Chromium."""
    import tempfile

    with tempfile.TemporaryDirectory() as instance:
        settings = load_settings(
            instance_path=Path(instance), database_url=url, redis_url=None, log_level="WARNING"
        )
        server = make_server("127.0.0.1", free_port(), create_app(settings), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/"
        driver = chromium()
        try:
            driver.get(base)  # warm-up: assets cached, table discovered, count cached
            wait_for(driver, FIRST_CELL)
            times = []
            for _ in range(loads):
                driver.get("about:blank")
                started = time.perf_counter()
                driver.get(base)
                wait_for(driver, FIRST_CELL)
                times.append((time.perf_counter() - started) * 1000)
            process = psutil.Process()
            before = process.memory_info().rss / 2**20
            api = "dash_ag_grid.getApi('dash-grid')"
            for i in range(scrolls):
                target = (rows - 1) * (i * 7919 % scrolls) // max(1, scrolls - 1)
                driver.execute_script(f"{api}.ensureIndexVisible({target}, 'middle');")
                cell = f'#dash-grid .ag-row[row-index="{target}"] .ag-cell[col-id="id"]'
                wait_for(
                    driver,
                    f"var e=document.querySelector('{cell}'); return e && e.textContent.trim();",
                )
            after = process.memory_info().rss / 2**20
        finally:
            driver.quit()
            server.shutdown()
    print(
        f"{rows:>10,} rows: navigation->first rows median {statistics.median(times):6.0f} ms "
        f"(min {min(times):.0f}, max {max(times):.0f}); web process RSS {before:.0f} MiB -> "
        f"{after:.0f} MiB after {scrolls} deep scrolls"
    )


def main() -> None:
    """Seed each size and measure it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--scrolls", type=int, default=60)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        with throwaway_postgres_database("dashapp_bench_ui") as url:
            prepare(with_driver(url), size)
            measure(with_driver(url), size, args.loads, args.scrolls)


if __name__ == "__main__":
    main()
