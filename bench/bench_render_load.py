"""Web-tier latency while full-size renders run as background jobs.

.venv/bin/python bench/bench_render_load.py [--renders 4] [--seconds 0]

Embedded mode (SQLite, jobs in their own processes): uploads a 4000x3000 background and a
1000x1000 RGBA layer, queues N renders (4000x3000, the layer rotated 30 deg and scaled 1.3, PNG)
through the page's callbacks at once, and while they run requests /healthz and the compositor's
gallery thumbnail route in a loop, and a block of the data view's grid (the first 100 of
20,000 seeded orders, sorted by amount, through the grid's own callback). Prints the latency
percentiles (idle and during the renders) and each render's time.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_composite import foreground, photo_like  # noqa: E402
from dashapp import create_app  # noqa: E402
from dashapp.compositing import library  # noqa: E402
from dashapp.extensions import db  # noqa: E402
from dashapp.models.compositor import CompositorRender  # noqa: E402
from dashapp.pages.compositor import ids  # noqa: E402
from dashapp.pages.dataview import ids as grid_ids  # noqa: E402
from dashapp.seeding.seed import seed  # noqa: E402
from dashapp.seeding.seed_data import SeedPlan  # noqa: E402
from dashapp.settings import current_settings, load_settings  # noqa: E402
from tests.support.dash_requests import DashCallbacks, callbacks_of  # noqa: E402


def _png(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def download_body(callbacks: DashCallbacks, placement: Any) -> dict[str, Any]:
    """The Download button's callback, as the browser posts it."""
    return callbacks.body(
        f"{ids.DOWNLOAD}.data",
        inputs={f"{ids.DOWNLOAD_BTN}.n_clicks": 1},
        state={
            f"{ids.PLACEMENT}.data": placement,
            f"{ids.FORMAT}.value": "png",
            f"{ids.QUALITY}.value": 90,
            f"{ids.NAME}.value": "bench",
        },
    )


def job_body(callbacks: DashCallbacks, render_id: int) -> dict[str, Any]:
    """The background render job's first request (the renderer's)."""
    return callbacks.body(
        f"{ids.RENDER_DONE}.data", inputs={f"{ids.RENDER_REQ}.data": {"render_id": render_id}}
    )


def grid_body(callbacks: DashCallbacks) -> dict[str, Any]:
    """The data view grid's first block of orders, sorted by amount, as the renderer asks."""
    request = {
        "startRow": 0,
        "endRow": 100,
        "sortModel": [{"colId": "amount", "sort": "desc"}],
        "filterModel": {},
    }
    return callbacks.body(
        f"{grid_ids.ROWS}.data",
        inputs={f"{grid_ids.GRID}.getRowsRequest": request},
        state={f"{grid_ids.TABLE}.data": "orders", f"{grid_ids.FACET_COLUMNS}.data": []},
    )


def timed_grid(client: Any, body: dict[str, Any]) -> float:
    """Seconds for one grid block request (which must return its 100 rows)."""
    t0 = time.perf_counter()
    reply = client.post("/_dash-update-component", json=body)
    elapsed = time.perf_counter() - t0
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    assert len(reply.get_json()["response"][grid_ids.ROWS]["data"]["rowData"]) == 100
    return elapsed


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--renders", type=int, default=4)
    parser.add_argument(
        "--nice", type=int, default=None, help="COMPOSITOR_RENDER_NICE (default: the setting's)"
    )
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}; render nice: {args.nice}")
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            instance_path=Path(tmp),
            database_url=None,
            redis_url=None,
            secret_key="bench",
            log_json=False,
            compositor_max_concurrent_renders=args.renders,
            **({} if args.nice is None else {"compositor_render_nice": args.nice}),
        )
        app = create_app(settings)
        with app.app_context():
            from flask_migrate import upgrade

            upgrade(revision="heads")
            seed(db.engine, SeedPlan.for_orders(20_000))
            s = current_settings()
            bg = library.store_bytes("dev", "bg.png", _png(photo_like(4000, 3000, 1)), s)
            fg = library.store_bytes("dev", "fg.png", _png(foreground(1000)), s)
            cid = library.save_composite(
                "dev",
                "bench",
                {"background": bg.as_dict(), "layers": [{**fg.as_dict(), "x": 300, "y": 300}]},
                s,
            )
        layer = {**fg.as_dict(), "x": 2000, "y": 1500, "scale_x": 1.3, "scale_y": 1.3}
        placement = {"background": bg.as_dict(), "layers": [{**layer, "rotation": 30.0}]}
        client = app.test_client()
        callbacks = callbacks_of(app)
        grid = grid_body(callbacks)
        idle, idle_grid = [], []
        for _ in range(30):
            t0 = time.perf_counter()
            client.get("/healthz")
            idle.append(time.perf_counter() - t0)
            idle_grid.append(timed_grid(client, grid))
        render_ids = []
        started = time.perf_counter()
        for _ in range(args.renders):
            reply = client.post("/_dash-update-component", json=download_body(callbacks, placement))
            render_id = int(reply.get_json()["sideUpdate"][ids.RENDER_REQ]["data"]["render_id"])
            client.post("/_dash-update-component", json=job_body(callbacks, render_id))
            render_ids.append(render_id)
        health, thumbs, grids = [], [], []
        while True:
            t0 = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            health.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            assert client.get(f"/compositor/composites/{cid}/thumbnail").status_code == 200
            thumbs.append(time.perf_counter() - t0)
            grids.append(timed_grid(client, grid))
            with app.app_context():
                rows = db.session.query(CompositorRender).filter(
                    CompositorRender.id.in_(render_ids)
                )
                done = [r for r in rows if r.status in ("done", "failed")]
                times = [(r.finished_at - r.started_at).total_seconds() for r in done]
                failed = [r.error for r in done if r.status == "failed"]
                db.session.remove()
            if len(done) == len(render_ids):
                break
            time.sleep(0.05)
        wall = time.perf_counter() - started
        print(
            f"{args.renders} concurrent renders (4000x3000 PNG, 1 rotated 1000x1000 layer), "
            f"all done in {wall:.1f} s; each {statistics.median(times):.1f} s median; "
            f"failed: {failed or 'none'}"
        )
        print(f"/healthz idle       p50 {pct(idle, 0.5):6.1f} ms  p95 {pct(idle, 0.95):6.1f} ms")
        print(
            f"/healthz during     p50 {pct(health, 0.5):6.1f} ms  p95 {pct(health, 0.95):6.1f} ms"
            f"  max {max(health) * 1000:6.1f} ms  ({len(health)} requests)"
        )
        print(
            f"thumbnail during    p50 {pct(thumbs, 0.5):6.1f} ms  p95 {pct(thumbs, 0.95):6.1f} ms"
            f"  max {max(thumbs) * 1000:6.1f} ms"
        )
        print(
            f"grid block idle    p50 {pct(idle_grid, 0.5):6.1f} ms"
            f"  p95 {pct(idle_grid, 0.95):6.1f} ms"
        )
        print(
            f"grid block during  p50 {pct(grids, 0.5):6.1f} ms  p95 {pct(grids, 0.95):6.1f} ms"
            f"  max {max(grids) * 1000:6.1f} ms  ({len(grids)} requests)"
        )
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
