"""Scale: the grid on 1,000,000 and 10,000,000 PostgreSQL rows, next to a minimal Dash app.

.venv/bin/python bench/bench_scale.py [--sizes 1000000,10000000] [--repeat 7] [--runs 3]
    [--landmark-wait 20] [--read-time 0] [--keep-db NAME] [--baseline-estimate]

--keep-db NAME keeps the tables in database NAME (created when missing) and reuses a table that
already holds the asked number of rows, so a rerun skips the 10M build (about a minute of CPU).

Builds both tables in a throwaway database (generate_series in SQL, an index for the filter,
VACUUM ANALYZE), then serves dashapp (its dashboards file points a source at that database) and
the minimal Dash + AG Grid infinite-model app of bench/minimal_grid_app.py, each in its own
process, and times the same grid requests over HTTP against both, in the same run:

- first rows: rows 0-100, default sort;
- filtered block: rows 0-100 with a set filter (region = North, a fifth of the rows);
- deep jump: 100 rows at 90 % of the table;
- second jump (50 %), then, after --landmark-wait seconds, later jump (70 %): what dragging the
  scrollbar around costs once dashapp's background landmark pass (started by the second
  jump) has finished.

--read-time S pauses S seconds after the first rows (both apps alike): a person reading the
first page before filtering or dragging the scrollbar. dashapp builds a large table's default
view's landmarks from its first rows, so with a pause the deep jump that follows is a landmark
jump; with none (the default) it races that pass.

Each is timed cold (the first request of its kind in the process) and warm (median of
--repeat more); --runs repeats all of it with fresh processes and reports medians over runs.
Both apps serve at once and every request goes to each in turn, so the machine's drift (±20 %
over minutes on a shared VM) weighs on both alike; the app asked first alternates per run.
Ratios: 10M / 1M per app, and dashapp / minimal per size. --baseline-estimate: the minimal app
also sends the planner's estimate with a full first block (one EXPLAIN, no cache), the
like-for-like baseline for the first blocks of the issue's "estimate first" counts. RSS of both
web processes before and after each run. Prints a table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import requests
import sqlalchemy as sa
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from minimal_grid_app import GRID as MINIMAL_GRID  # noqa: E402
from minimal_grid_app import build_app as build_minimal  # noqa: E402

from dashapp import create_app  # noqa: E402
from dashapp.pages.dataview import ids  # noqa: E402
from dashapp.settings import load_settings  # noqa: E402
from tests.support.dash_requests import DashCallbacks, callbacks_of  # noqa: E402
from tests.support.services import (  # noqa: E402
    PG_ADMIN_URL,
    throwaway_postgres_database,
    with_driver,
)

NORTH = {"region": {"filterType": "set", "values": ["North"]}}
BLOCK = 100


def label(rows: int) -> str:
    """facts_1m, facts_10m, facts_250k..."""
    return f"facts_{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"facts_{rows // 1000}k"


def built_marker(rows: int) -> str:
    """The table comment a finished build leaves (a rerun with --keep-db reuses the table)."""
    return f"bench_scale {rows} rows"


def build_table(url: str, rows: int) -> float | None:
    """Create and fill one table in SQL; seconds taken, None when a finished one was reused."""
    name = label(rows)
    started = time.perf_counter()
    engine = sa.create_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        comment = conn.execute(
            sa.text("SELECT obj_description(to_regclass(:t), 'pg_class')"), {"t": name}
        ).scalar()
        if comment == built_marker(rows):
            engine.dispose()
            return None
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        # UNLOGGED: a throwaway table need not be crash-safe, and it loads twice as fast.
        conn.exec_driver_sql(
            f"CREATE UNLOGGED TABLE {name} (id bigint PRIMARY KEY, day date NOT NULL, "
            "region varchar(16) NOT NULL, status varchar(16) NOT NULL, "
            "amount numeric(12,2) NOT NULL, customer integer NOT NULL)"
        )
        conn.execute(
            sa.text(
                f"INSERT INTO {name} SELECT g, date '2020-01-01' + mod(g, 1500)::int, "
                "(ARRAY['North','South','East','West','Central'])[1 + mod(g, 5)], "
                "(ARRAY['paid','paid','refunded','pending'])[1 + mod(g * 7, 4)], "
                "mod(g * 2654435761, 100000) / 100.0, 1 + mod(g * 31, 50000) "
                f"FROM generate_series(1, {rows}::bigint) g"
            )
        )
        conn.exec_driver_sql(f"CREATE INDEX ON {name} (region, id)")
        conn.exec_driver_sql(f"VACUUM ANALYZE {name}")
        conn.exec_driver_sql(f"COMMENT ON TABLE {name} IS '{built_marker(rows)}'")
    engine.dispose()
    return time.perf_counter() - started


@contextmanager
def kept_database(name: str) -> Iterator[str]:
    """The URL of database `name` on the test server, created when missing and kept after."""
    admin = sa.create_engine(with_driver(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


@dataclass
class Served:
    """A web process and how to talk to it."""

    process: subprocess.Popen[bytes]
    url: str
    callbacks: DashCallbacks
    log: Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(
    command: list[str], env: dict[str, str], callbacks: DashCallbacks, log: Path
) -> Iterator[Served]:
    """Start a web process, wait for it to answer, stop it at the end."""
    port = free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port)], cwd=ROOT, env=env,
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(log.read_text()[-3000:])
            try:
                requests.get(url + "/_dash-layout", timeout=2)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield Served(process, url, callbacks, log)
    except Exception:
        print(log.read_text()[-4000:], file=sys.stderr)  # the server's side of a failure
        raise
    finally:
        process.terminate()
        process.wait(timeout=30)


def dashapp_body(served: Served, table: str, request: dict[str, Any]) -> dict[str, Any]:
    """dashapp's grid request (built from its own callback map)."""
    state = {
        f"{ids.TABLE}.data": table,
        f"{ids.QUICK}.value": "",
        f"{ids.FACET_COLUMNS}.data": [],
        **{f"{slot}.value": None for slot in ids.FACET_SLOTS},
    }
    return served.callbacks.body(f"{ids.ROWS}.data", {f"{ids.GRID}.getRowsRequest": request}, state)


def minimal_body(served: Served, table: str, request: dict[str, Any]) -> dict[str, Any]:
    """The minimal app's grid request (its table named in the request's context)."""
    return served.callbacks.body(
        f"{MINIMAL_GRID}.getRowsResponse",
        {f"{MINIMAL_GRID}.getRowsRequest": {**request, "context": {"table": table}}},
    )


def timed(served: Served, body: dict[str, Any]) -> tuple[float, int]:
    """(milliseconds, rows returned) for one callback request."""
    started = time.perf_counter()
    response = requests.post(served.url + "/_dash-update-component", json=body, timeout=120)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    payload = response.json()["response"]
    found = payload.get(ids.ROWS, {}).get("data") or payload.get(MINIMAL_GRID, {}).get(
        "getRowsResponse"
    )
    return elapsed, len(found["rowData"])


def at(rows: int, share: float) -> dict[str, Any]:
    """A block starting at `share` of the table (a scrollbar drag), default sort, no filter."""
    start = int(rows * share) // BLOCK * BLOCK
    return {"sortModel": [], "filterModel": {}, "startRow": start, "endRow": start + BLOCK}


def scenarios(rows: int) -> dict[str, dict[str, Any]]:
    """The requests timed cold and warm, in this order, as the grid sends them.

    "second jump" (to 50 %) is the second uncached jump into the same filter and sort: in
    dashapp it starts the background landmark pass. Its warm figure and "later jump" (to 70 %)
    are timed after --landmark-wait seconds, when that pass has had time to finish.
    """
    plain: dict[str, Any] = {"sortModel": [], "filterModel": {}}
    return {
        "first rows": {**plain, "startRow": 0, "endRow": BLOCK},
        "filtered block": {**plain, "filterModel": NORTH, "startRow": 0, "endRow": BLOCK},
        "deep jump": at(rows, 0.9),
        "second jump": at(rows, 0.5),
        "later jump": at(rows, 0.7),
    }


Found = dict[tuple[str, int], tuple[float, float]]


def measure(
    apps: dict[str, Served], sizes: list[int], repeat: int, wait: float, read_time: float,
    first: str,
) -> dict[str, Found]:  # fmt: skip
    """{app: {(scenario, rows): (cold ms, warm median ms)}}, the apps asked in turns.

    Every request goes to each app in turn (`first` leads the cold ones, then the order
    alternates), so the machine's speed at that moment, which drifts by ±20 % over minutes on
    a shared VM, weighs on both apps' figures alike.
    """
    makers = {"dashapp": dashapp_body, "minimal": minimal_body}
    order = [first, *(k for k in apps if k != first)]
    found: dict[str, Found] = {kind: {} for kind in apps}

    def bodies(table: str, request: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {kind: makers[kind](apps[kind], table, request) for kind in apps}

    def warm(body: dict[str, dict[str, Any]]) -> dict[str, float]:
        times: dict[str, list[float]] = {kind: [] for kind in apps}
        for i in range(repeat):
            for kind in order if i % 2 else order[::-1]:
                times[kind].append(timed(apps[kind], body[kind])[0])
        return {kind: statistics.median(t) for kind, t in times.items()}

    for rows in sizes:
        table = label(rows)
        # Warm each process up without touching what is measured: one block under another
        # filter (dashapp reflects the table and reads its set-filter values on first use).
        other = {"sortModel": [], "filterModel": {"region": {"filterType": "set",
                 "values": ["South"]}}, "startRow": 0, "endRow": BLOCK}  # fmt: skip
        for kind, body in bodies(table, other).items():
            timed(apps[kind], body)
        for name, request in scenarios(rows).items():
            body = bodies(table, request)
            if name == "filtered block":
                time.sleep(read_time)  # the person reads the first rows
            if name == "later jump":
                time.sleep(wait)  # the same pause for both apps
                second = warm(bodies(table, scenarios(rows)["second jump"]))
                for kind in apps:
                    found[kind][("second jump", rows)] = (
                        found[kind][("second jump", rows)][0], second[kind]
                    )  # fmt: skip
            cold = {}
            for kind in order:
                cold[kind], got = timed(apps[kind], body[kind])
                assert got == BLOCK, (kind, name, rows, got)
            if name == "second jump":  # warm: after the pause
                for kind in apps:
                    found[kind][(name, rows)] = (cold[kind], float("nan"))
                continue
            again = warm(body)
            for kind in apps:
                found[kind][(name, rows)] = (cold[kind], again[kind])
    return found


def median_of(runs: list[Found]) -> Found:
    """Per (scenario, rows): the median over runs of the cold and of the warm figure."""
    return {
        key: (
            statistics.median(r[key][0] for r in runs),
            statistics.median(r[key][1] for r in runs),
        )
        for key in runs[0]
    }


def rss_mb(process: subprocess.Popen[bytes]) -> float:
    """Resident memory of a process, in MB."""
    return psutil.Process(process.pid).memory_info().rss / 1e6


DASHBOARDS = """\
sources:
  bench:
    url: ${{BENCH_DATABASE_URL}}
    statement_timeout_ms: 60000
tables:
{tables}
"""


def dashapp_setup(
    work: Path, url: str, sizes: list[int], log_level: str = "WARNING", keep: tuple[str, ...] = ()
) -> tuple[dict[str, str], Flask]:
    """(environment for a `dashapp run` process, an app built in this process) with the tables
    of `sizes` as the source "bench" of a dashboards file in `work`.

    The environment drops this shell's DASHAPP_* settings, DATABASE_URL and, unless in `keep`,
    REDIS_URL; the local app is only for its callback map (to build requests).
    """
    dashboards = work / "dashboards.yml"
    listed = "\n".join(f"  - {{source: bench, name: {label(r)}, id: {label(r)}}}" for r in sizes)
    dashboards.write_text(DASHBOARDS.format(tables=listed))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHAPP_")}
    for name in {"DATABASE_URL", "REDIS_URL"} - set(keep):
        env.pop(name, None)
    env.update(
        BENCH_DATABASE_URL=url, DASHAPP_DASHBOARDS=str(dashboards),
        DASHAPP_INSTANCE_PATH=str(work / "instance"), DASHAPP_LOG_LEVEL=log_level,
        DASHAPP_LOG_JSON="false",
    )  # fmt: skip
    os.environ.update(BENCH_DATABASE_URL=url)
    local = create_app(
        load_settings(instance_path=work / "local", dashboards=dashboards, log_level="WARNING")
    )
    return env, local


def main() -> None:
    """Build the tables, serve both apps, time the requests, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--landmark-wait", type=float, default=20.0,
        help="seconds between the second and the later jump (the landmark pass runs)",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=3, help="fresh processes each; medians")
    parser.add_argument(
        "--read-time", type=float, default=0.0,
        help="seconds between the first rows and the next request (reading the first page)",
    )  # fmt: skip
    parser.add_argument("--keep-db", default="", help="keep and reuse the tables in this database")
    parser.add_argument(
        "--baseline-estimate", action="store_true",
        help="the minimal app sends the planner's estimate with a full first block, as dashapp",
    )  # fmt: skip
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("load average at start: " + ", ".join(f"{v:.1f}" for v in os.getloadavg()))
    database = kept_database(args.keep_db) if args.keep_db else None
    with (
        tempfile.TemporaryDirectory(prefix="dashapp-scale-") as tmp,
        database or throwaway_postgres_database("dashapp_bench_scale") as raw_url,
    ):
        work, url = Path(tmp), with_driver(raw_url)
        for rows in sizes:
            took = build_table(url, rows)
            done = "reused" if took is None else f"built in {took:.1f} s"
            print(f"{label(rows)} ({rows:,} rows): {done}", flush=True)
        env, local = dashapp_setup(work, url, sizes, keep=("REDIS_URL",))
        tables = ",".join(label(r) for r in sizes)
        minimal_cmd = [
            sys.executable,
            "bench/minimal_grid_app.py",
            "--url",
            url,
            "--tables",
            tables,
            *(["--estimate"] if args.baseline_estimate else []),
        ]
        dashapp_cmd = [sys.executable, "-m", "dashapp.cli", "run"]
        runs: dict[str, list[Found]] = {"dashapp": [], "minimal": []}
        rss: dict[str, list[tuple[float, float]]] = {"dashapp": [], "minimal": []}
        minimal = DashCallbacks(build_minimal(url, [label(r) for r in sizes]))
        for run in range(args.runs):
            # Fresh processes every run, both serving at once and asked in turns (see
            # measure): a run's cold figures are really cold, and the machine's drift hits
            # both apps alike. Which app is asked first alternates between runs.
            with (
                serve(dashapp_cmd, env, callbacks_of(local), work / "dashapp.log") as ours,
                serve(minimal_cmd, env, minimal, work / "minimal.log") as theirs,
            ):
                apps = {"dashapp": ours, "minimal": theirs}
                before = {kind: rss_mb(served.process) for kind, served in apps.items()}
                first = "dashapp" if run % 2 == 0 else "minimal"
                found = measure(apps, sizes, args.repeat, args.landmark_wait, args.read_time, first)
                for kind, served in apps.items():
                    runs[kind].append(found[kind])
                    rss[kind].append((before[kind], rss_mb(served.process)))
            print(f"run {run + 1}/{args.runs} done", flush=True)
        results = {kind: median_of(found) for kind, found in runs.items()}
    report(results, sizes, rss["dashapp"], rss["minimal"])
    print("load average at end: " + ", ".join(f"{v:.1f}" for v in os.getloadavg()))


def report(
    results: dict[str, dict[tuple[str, int], tuple[float, float]]],
    sizes: list[int],
    rss: list[tuple[float, float]],
    min_rss: list[tuple[float, float]],
) -> None:
    """Print per scenario: each app's cold/warm ms at each size, and the ratios."""
    small, large = sizes[0], sizes[-1]
    names = list(scenarios(small))
    print()
    heads = " ".join(f"{label(s) + ' cold/warm ms':>22s}" for s in sizes)
    ratio_head = f"ratio {label(large)}/{label(small)} cold/warm"
    print(f"{'scenario':16s} {'app':8s} {heads} {ratio_head:>26s}")
    for name in names:
        for kind in ("dashapp", "minimal"):
            found = results[kind]
            cells = [f"{found[(name, s)][0]:10.1f}/{found[(name, s)][1]:9.1f}" for s in sizes]
            ratio = [found[(name, large)][i] / found[(name, small)][i] for i in (0, 1)]
            print(f"{name:16s} {kind:8s} " + " ".join(f"{c:>22s}" for c in cells)
                  + f" {ratio[0]:17.2f}/{ratio[1]:.2f}")  # fmt: skip
    print()
    print("dashapp / minimal (cold/warm):")
    for name in names:
        parts = []
        for s in sizes:
            d, m = results["dashapp"][(name, s)], results["minimal"][(name, s)]
            parts.append(f"{label(s)} {d[0] / m[0]:.2f}/{d[1] / m[1]:.2f}")
        print(f"  {name:16s} " + "   ".join(parts))
    print()
    for kind, pairs in (("dashapp web process", rss), ("minimal app", min_rss)):
        each = ", ".join(f"{b:.0f} -> {a:.0f}" for b, a in pairs)
        print(f"{kind} RSS per run (MB, before -> after): {each}")


if __name__ == "__main__":
    main()
