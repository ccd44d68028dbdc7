"""Full-size renders through the real stack: Dash background callback -> Celery worker (queue
`dash`) -> PostgreSQL; the web process keeps answering (health checks and the data view grid's
blocks) while the worker renders."""

from __future__ import annotations

import io
import os
import time
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from dashapp import create_app
from dashapp.compositing import library
from dashapp.models.compositor import CompositorRender
from dashapp.pages.compositor import ids
from dashapp.pages.dataview import ids as grid_ids
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from dashapp.settings import current_settings
from tests.conftest import SettingsFactory
from tests.integration.compositor.test_library import layer, state
from tests.support.dash_requests import callbacks_of
from tests.support.worker import WorkerProcess
from tests.unit.compositing.helpers import noise_rgba, solid

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]


def download_click(client: FlaskClient, placement: Any, fmt: str = "png") -> Any:
    """POST the Download button's callback as the browser does."""
    state = {
        f"{ids.PLACEMENT}.data": placement,
        f"{ids.FORMAT}.value": fmt,
        f"{ids.QUALITY}.value": 90,
        f"{ids.NAME}.value": "poster",
    }
    click = {f"{ids.DOWNLOAD_BTN}.n_clicks": 1}
    return callbacks_of(client.application).post(client, f"{ids.DOWNLOAD}.data", click, state)


def job_body(client: FlaskClient, request: Any) -> dict[str, Any]:
    """The render job's request: a new job for `request`, or (None) a poll of the running one."""
    return callbacks_of(client.application).body(
        f"{ids.RENDER_DONE}.data",
        {f"{ids.RENDER_REQ}.data": request},
        changed=[f"{ids.RENDER_REQ}.data"] if request else [],
    )


def queued_render_id(response: Any) -> int:
    assert response.status_code == 200, response.get_data(as_text=True)
    payload = response.get_json()
    return int(payload["sideUpdate"][ids.RENDER_REQ]["data"]["render_id"])


def message_text(response: Any) -> str:
    return str(response.get_json()["response"][ids.EXPORT_MSG]["children"])


def uploads_for(server: Flask, owner: str) -> dict[str, Any]:
    """A 4000x3000 background and four rotated 1000x1000 layers (seconds of work)."""
    settings = current_settings()
    with server.app_context():
        bg = library.store_bytes(
            owner, "bg.png", _png(solid(4000, 3000, (0, 90, 200, 255))), settings
        )
        fg = library.store_bytes(owner, "fg.png", _png(noise_rgba(1000, 1000, seed=3)), settings)
    layers = [
        layer(fg, 300 * i, 200 * i, rotation=17.0 * (i + 1), scale_x=1.3, scale_y=1.3)
        for i in range(4)
    ]
    plain = layer(fg, 2900, 1900)  # unrotated, lands exactly: checked in the download
    return {"placement": state(bg, *layers, plain), "fg": fg}


def grid_block(client: FlaskClient) -> tuple[float, int]:
    """(seconds, rows) for the data view grid's first block of orders sorted by amount, as the
    renderer asks for it (built from the app's callback map)."""
    request = {
        "startRow": 0,
        "endRow": 100,
        "sortModel": [{"colId": "amount", "sort": "desc"}],
        "filterModel": {},
    }
    started = time.perf_counter()
    response = callbacks_of(client.application).post(
        client,
        f"{grid_ids.ROWS}.data",
        inputs={f"{grid_ids.GRID}.getRowsRequest": request},
        state={f"{grid_ids.TABLE}.data": "orders", f"{grid_ids.FACET_COLUMNS}.data": []},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return elapsed, len(response.get_json()["response"][grid_ids.ROWS]["data"]["rowData"])


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def test_render_runs_on_worker_while_web_answers(
    celery_app: Flask, celery_worker: WorkerProcess
) -> None:
    client = celery_app.test_client()
    with celery_app.app_context():
        from dashapp.extensions import db

        seed(db.engine, SeedPlan.for_orders(5000))
        made = uploads_for(celery_app, "dev")
    assert grid_block(client)[1] == 100  # warm: the table's schema is read once
    # The same requests with no render running, for comparison (the VM is shared).
    idle = [grid_block(client)[0] for _ in range(30)]
    render_id = queued_render_id(download_click(client, made["placement"]))
    started = client.post(
        "/_dash-update-component", json=job_body(client, {"render_id": render_id})
    )
    assert started.status_code in (200, 202, 204), started.get_data(as_text=True)
    handles = started.get_json()
    assert handles and "job" in handles  # handed to the worker, not run here

    latencies, grid, statuses = [], [], set()
    deadline = time.monotonic() + 120
    while True:
        t0 = time.perf_counter()
        health = client.get("/healthz")
        latencies.append(time.perf_counter() - t0)
        assert health.status_code == 200
        seconds, rows = grid_block(client)
        grid.append(seconds)
        assert rows == 100
        with celery_app.app_context():
            from dashapp.extensions import db

            row = db.session.get(CompositorRender, render_id)
            assert row is not None
            statuses.add(row.status)
            status = row.status
            db.session.remove()
        if status in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert status == "done", statuses
    assert "running" in statuses  # we saw it working on the worker
    ordered = sorted(grid)
    p95 = ordered[int(0.95 * len(ordered))]
    print(
        f"during the render: /healthz max {max(latencies) * 1000:.0f} ms; grid block median "
        f"{ordered[len(ordered) // 2] * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max "
        f"{max(grid) * 1000:.0f} ms over {len(grid)} requests; idle grid block median "
        f"{sorted(idle)[15] * 1000:.0f} ms, max {max(idle) * 1000:.0f} ms; load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    assert max(latencies) < 0.2
    # The grid: 19 requests in 20 under 200 ms. Not every one: on the shared 2-core VM other
    # processes' load (not the render) puts a rare block over it (also seen with no render).
    assert p95 < 0.2
    assert max(grid) < 1.0

    # The browser's poll ends with the URL of the file.
    query = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
    deadline = time.monotonic() + 20
    while True:
        polled = client.post(
            "/_dash-update-component", json=job_body(client, None), query_string=query
        )
        body = polled.get_json() or {}
        if "response" in body or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    done = body["response"][ids.RENDER_DONE]["data"]
    assert done["url"] == f"/compositor/renders/{render_id}/download"
    download = client.get(done["url"])
    assert download.status_code == 200 and "poster.png" in download.headers["Content-Disposition"]
    out = np.asarray(Image.open(io.BytesIO(download.data)).convert("RGBA"))
    assert out.shape == (3000, 4000, 4)
    expected = np.asarray(noise_rgba(1000, 1000, seed=3))
    assert np.array_equal(out[1900:2900, 2900:3900], expected)
    # Another user cannot fetch it.
    with celery_app.test_request_context():
        with pytest.raises(library.NotFoundError):
            from dashapp.compositing import renders

            renders.result("someone-else", render_id)


def test_over_budget_and_over_quota_are_refused(
    pg_settings_factory: SettingsFactory, redis_url: str, celery_worker: WorkerProcess
) -> None:
    server = create_app(
        pg_settings_factory(
            redis_url=redis_url,
            compositor_max_render_work=30_000_000,
            compositor_max_concurrent_renders=2,
        )
    )
    client = server.test_client()
    with server.app_context():
        settings = current_settings()
        big = library.store_bytes(
            "dev", "big.png", _png(solid(4000, 3000, (1, 2, 3, 255))), settings
        )
        small = library.store_bytes(
            "dev", "small.png", _png(solid(400, 300, (1, 2, 3, 255))), settings
        )
        fg = library.store_bytes("dev", "fg.png", _png(solid(10, 10, (255, 0, 0, 255))), settings)
        cid = library.save_composite("dev", "huge", state(big, layer(fg, 0, 0)), settings)
    # 12 MP x (1 layer + background) = 24 M is under 30 M; 3 layers = 48 M is over.
    over = state(big, *(layer(fg, i, i) for i in range(3)))
    refused = download_click(client, over)
    assert "too large" in message_text(refused) and "sideUpdate" not in refused.get_json()
    # The same bound on the saved composite's HTTP download: a 4xx with the message.
    # Within the work budget, but too much work to render inside a web request: 409 and where
    # to go instead (the gallery's Download, a render job).
    http = client.get(f"/compositor/composites/{cid}/download")
    assert http.status_code == 409 and "background job" in http.get_json()["error"]
    with server.app_context():
        row_state = state(big, *(layer(fg, i, i) for i in range(3)))
        from dashapp.extensions import db
        from dashapp.models.compositor import Composite

        db.session.add(
            Composite(
                owner="dev", name="over", state=row_state, width=4000, height=3000, thumbnail=b""
            )
        )
        db.session.commit()
        over_id = db.session.query(Composite.id).filter_by(name="over").scalar()
    http = client.get(f"/compositor/composites/{over_id}/download")
    assert http.status_code == 400 and "too large" in http.get_json()["error"]

    # Two renders queued and not finished: the third is refused until one ends.
    fine = state(small, layer(fg, 5, 5))
    first = queued_render_id(download_click(client, fine))
    queued_render_id(download_click(client, fine))
    third = download_click(client, fine)
    assert "already have 2 renders running" in message_text(third)
    with server.app_context():
        from dashapp.compositing import renders

        renders.run_render(first, current_settings())
    queued_render_id(download_click(client, fine))
    with server.app_context():
        from dashapp.extensions import db

        db.session.remove()
        db.engine.dispose()
