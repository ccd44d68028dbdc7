"""Load test and soak: 50 simulated users against gunicorn on PostgreSQL, from a second process.

    make load-venv                        # once: locust in .venv-load (it needs urllib3 2)
    .venv/bin/python bench/bench_load.py --users 50 --seconds 120          # load
    .venv/bin/python bench/bench_load.py --users 50 --seconds 600          # 10-minute soak

Seeds a throwaway PostgreSQL database, records one finished training run (for status polls and
artifact fetches), starts gunicorn in production mode, runs locust headless on loopback and
prints requests/s, p50/p95 per request type, errors, and the web processes' memory over time.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashapp import create_app  # noqa: E402
from dashapp.extensions import db  # noqa: E402
from dashapp.models.training import RunArtifact  # noqa: E402
from dashapp.seeding.seed import seed  # noqa: E402
from dashapp.seeding.seed_data import SeedPlan  # noqa: E402
from dashapp.settings import load_settings  # noqa: E402
from dashapp.training import runs  # noqa: E402
from dashapp.training.training_job import execute_run  # noqa: E402
from dashapp.web.identity import Role, User  # noqa: E402
from tests.integration.production.conftest import production_env  # noqa: E402
from tests.support.gunicorn import WebProcess, start_web  # noqa: E402
from tests.support.services import throwaway_postgres_database, with_driver  # noqa: E402

LOCUST = ROOT / ".venv-load" / "bin" / "locust"
WARM_UP_S = 60.0


def prepare(url: str, rows: int, instance: Path) -> tuple[int, str]:
    """Migrate, seed `rows` orders, and train one tiny run; returns (run id, artifact name)."""
    server = create_app(
        load_settings(instance_path=instance, database_url=url, redis_url=None, log_level="WARNING")
    )
    with server.app_context():
        upgrade(revision="heads")
        seed(db.engine, SeedPlan.for_orders(rows))
        run = runs.create_run(
            User("loadtest", Role.TRAINER), {"dataset": "digits", "epochs": 1, "max_samples": 300}
        )
        run_id = run.id
    execute_run(server, run_id)
    with server.app_context():
        name = db.session.query(RunArtifact.name).filter_by(run_id=run_id).first()
        db.engine.dispose()
    assert name is not None, "the seeded run made no artifact"
    return run_id, name[0]


def web_rss_mib(web: WebProcess) -> float:
    """Resident memory of the gunicorn master and its workers."""
    parent = psutil.Process(web.process.pid)
    procs = [parent, *parent.children(recursive=True)]
    return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20


def run_locust(
    host: str, users: int, seconds: int, env: dict[str, str], out: Path, web: WebProcess
) -> list[tuple[float, float]]:
    """Run locust headless; sample web memory every 10 s while it runs."""
    cmd = [
        str(LOCUST),
        "-f",
        str(ROOT / "bench/load/locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(max(1, users // 5)),
        "-t",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(out / "load"),
        "--only-summary",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started = time.monotonic()
    samples = [(0.0, web_rss_mib(web))]
    while proc.poll() is None:
        time.sleep(10)
        samples.append((time.monotonic() - started, web_rss_mib(web)))
    if proc.returncode not in (0, 1):  # 1 = some requests failed; reported below
        raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "locust failed")
    return samples


def report(out: Path, samples: list[tuple[float, float]]) -> None:
    """Print the per-request-type table and the memory trend."""
    with (out / "load_stats.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    print(
        f"{'request type':20s} {'requests':>9s} {'errors':>7s} {'req/s':>7s} "
        f"{'p50 ms':>7s} {'p95 ms':>7s}"
    )
    for row in rows:
        print(
            f"{row['Name']:20s} {int(row['Request Count']):>9,} {int(row['Failure Count']):>7} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>7s} {row['95%']:>7s}"
        )
    first, last = samples[0][1], samples[-1][1]
    peak = max(rss for _, rss in samples)
    print(
        f"web memory (master + workers): start {first:.0f} MiB, end {last:.0f} MiB, "
        f"peak {peak:.0f} MiB over {samples[-1][0]:.0f} s"
    )
    # Workers fill their caches (imports, compiled queries, pools) in the first minute; a leak
    # shows as growth after that.
    warm = next((rss for at, rss in samples if at >= WARM_UP_S), first)
    print(
        f"after the {WARM_UP_S:.0f} s warm-up: {warm:.0f} MiB -> {last:.0f} MiB at the end "
        f"({100 * (last - warm) / warm:+.1f}%)"
    )
    trend = [f"{at / 60:.0f} min {rss:.0f}" for at, rss in samples if at % 60 < 10]
    print("memory by minute (MiB): " + ", ".join(trend))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="gunicorn worker recycling (0: never, so a leak shows in the memory figures)",
    )
    args = parser.parse_args()
    if not LOCUST.exists():
        sys.exit("locust is not installed: run `make load-venv` first")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs; users={args.users}, "
        f"{args.seconds} s, {args.rows:,} orders, gunicorn {args.web_workers} workers x 4 threads, "
        f"max_requests {args.max_requests}"
    )
    with (
        throwaway_postgres_database("dashapp_load") as raw_url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        url, base = with_driver(raw_url), Path(tmp)
        run_id, artifact = prepare(url, args.rows, base / "prep")
        env = production_env(url, "redis://127.0.0.1:6379/13", base / "web" / "instance")
        env["DASHAPP_LOG_LEVEL"] = "WARNING"
        env["GUNICORN_MAX_REQUESTS"] = str(args.max_requests)
        web = start_web(env, base / "web", workers=args.web_workers, threads=4)
        try:
            load_env = {
                **os.environ,
                "LOAD_RUN_ID": str(run_id),
                "LOAD_ARTIFACT": artifact,
                "LOAD_TOTAL_ROWS": str(args.rows),
            }
            samples = run_locust(web.url, args.users, args.seconds, load_env, base, web)
            report(base, samples)
        finally:
            web.stop()


if __name__ == "__main__":
    main()
