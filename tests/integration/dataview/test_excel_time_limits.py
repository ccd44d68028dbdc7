"""Excel exports on Celery have time limits of their own, not the compositor render's.

Both run on the UI queue, whose app-wide limits are the render's (120 s by default; Celery
sends the sender's task limits in each message): an Excel export, allowed 30 minutes, was
stopped at the render's limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from dashapp.models.dataview import ExcelExport
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory
from tests.integration.dataview.test_excel_jobs import excel_click, job_body, queued_id
from tests.support.worker import WorkerProcess, start_worker, worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]

QUEUE = "dash-short-renders"
RENDER_LIMIT_S = 1.0
COLUMNS = ["id", "order_date", "status", "amount", "customer_id"]


@pytest.fixture(scope="module")
def short_render_worker(
    pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    """A worker whose UI app stops tasks after 1 s, as it would a render (a queue of its own)."""
    workdir: Path = tmp_path_factory.mktemp("short-render-worker")
    env = worker_env(pg_url, redis_url, workdir / "instance")
    env.update(
        DASHAPP_UI_QUEUE=QUEUE,
        DASHAPP_COMPOSITOR_RENDER_TIME_LIMIT_S=str(RENDER_LIMIT_S),
        DASHAPP_COMPOSITOR_RENDER_KILL_GRACE_S="1",
    )
    worker = start_worker(env, workdir, queues=QUEUE)
    yield worker
    worker.stop()


def test_an_excel_export_outlasts_the_render_time_limit(
    pg_settings_factory: SettingsFactory, redis_url: str, short_render_worker: WorkerProcess
) -> None:
    settings = pg_settings_factory(
        redis_url=redis_url,
        ui_queue=QUEUE,
        compositor_render_time_limit_s=RENDER_LIMIT_S,
        compositor_render_kill_grace_s=1.0,
    )
    app: Flask = create_app(settings)
    with app.app_context():
        seed(db.engine, SeedPlan.for_orders(60_000))
        db.session.remove()
    client = app.test_client()
    export_id = queued_id(excel_click(client, {"state": {}, "columns": COLUMNS}))
    started = client.post(
        "/_dash-update-component", json=job_body(client, {"export_id": export_id})
    )
    handles = started.get_json()
    query = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
    began = time.monotonic()
    while True:
        body = (
            client.post(
                "/_dash-update-component", json=job_body(client, None), query_string=query
            ).get_json()
            or {}
        )
        if "response" in body:
            break
        assert time.monotonic() - began < 240, short_render_worker.log()[-2000:]
        time.sleep(0.2)
    took = time.monotonic() - began
    with app.app_context():
        row = db.session.get(ExcelExport, export_id)
        assert row is not None
        status, error = row.status, row.error
        db.session.remove()
    print(f"\n60,000 rows to Excel on a worker whose render limit is 1 s: {status} in {took:.1f} s")
    assert took > RENDER_LIMIT_S * 2  # it really ran past the render's limit
    assert status == "done", error
    assert client.get(f"/export/jobs/{export_id}.xlsx").status_code == 200
