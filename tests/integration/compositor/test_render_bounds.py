"""Renders bounded on a real Celery worker: cancel ends the row at once and stops the job; Celery's
time limit stops a render inside one long step; the memory budget fails a render with a message;
a row whose job is gone stops counting as running."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dashapp import create_app
from dashapp.compositing import library, renders
from dashapp.extensions import db
from dashapp.jobs.celery_apps import celery_apps_for
from dashapp.models.compositor import CompositorRender, utcnow
from dashapp.pages.compositor import ids
from dashapp.settings import current_settings
from tests.conftest import SettingsFactory
from tests.integration.compositor.test_library import layer, state
from tests.integration.compositor.test_renders_celery import (
    _png,
    download_click,
    job_body,
    queued_render_id,
    uploads_for,
)
from tests.support.dash_requests import DISPATCH, callbacks_of
from tests.support.worker import WorkerProcess, start_worker, worker_env
from tests.unit.compositing.helpers import noise_rgba, solid

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]


def bounded_app(
    pg_settings_factory: SettingsFactory, pg_url: str, redis_url: str, tmp_path: Path, **limits: Any
) -> Iterator[Flask]:
    """An app and its own worker on a queue of their own, both with `limits` as settings."""
    queue = f"dash-{uuid.uuid4().hex[:8]}"
    env = worker_env(pg_url, redis_url, tmp_path / "worker-instance")
    env["DASHAPP_UI_QUEUE"] = queue
    env.update({f"DASHAPP_{key.upper()}": str(value) for key, value in limits.items()})
    worker = start_worker(env, tmp_path / "worker", queues=queue)
    server = create_app(pg_settings_factory(redis_url=redis_url, ui_queue=queue, **limits))
    try:
        yield server
    finally:
        worker.stop()


def row(server: Flask, render_id: int) -> CompositorRender:
    with server.app_context():
        found = db.session.get(CompositorRender, render_id)
        assert found is not None
        db.session.expunge(found)
        db.session.remove()
        return found


def start_render(client: FlaskClient, placement: Any, fmt: str = "png") -> tuple[int, Any]:
    """Click Download and start the job as the browser does; (render id, the job's handles)."""
    render_id = queued_render_id(download_click(client, placement, fmt))
    started = client.post(DISPATCH, json=job_body(client, {"render_id": render_id}))
    assert started.status_code in (200, 202, 204), started.get_data(as_text=True)
    return render_id, started.get_json()


def wait_for(server: Flask, render_id: int, statuses: set[str], within: float) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = row(server, render_id)
        if found.status in statuses or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def cancel_click(client: FlaskClient, render_id: int) -> Any:
    callbacks = callbacks_of(client.application)
    key = next(k for k in callbacks.app.callback_map if k.startswith(f"{ids.EXPORT_MSG}.children@"))
    return callbacks.post(
        client,
        key,
        {f"{ids.RENDER_CANCEL}.n_clicks": 1},
        {f"{ids.RENDER_REQ}.data": {"render_id": render_id}},
    )


def test_cancel_ends_the_render_at_once_and_stops_the_job(
    celery_app: Flask, celery_worker: WorkerProcess
) -> None:
    client = celery_app.test_client()
    with celery_app.app_context():
        made = uploads_for(celery_app, "dev")
    render_id, handles = start_render(client, made["placement"])
    assert wait_for(celery_app, render_id, {"running"}, 60).status == "running"

    # Another user's cancel does nothing; the owner's ends the row at once.
    with celery_app.app_context():
        assert renders.cancel_render("someone-else", render_id) is False
    said = cancel_click(client, render_id)
    assert said.status_code == 200 and "Render cancelled" in said.get_data(as_text=True)
    assert row(celery_app, render_id).status == "cancelled"
    # The browser's cancel then has Dash terminate the job on the worker (SIGTERM).
    terminate = callbacks_of(celery_app).post(
        client,
        f"{ids.RENDER_CANCEL}.id",
        {f"{ids.RENDER_CANCEL}.n_clicks": 1},
        query_string={"cancelJob": handles["job"]},
    )
    assert terminate.status_code in (200, 204), terminate.get_data(as_text=True)
    inspect = celery_apps_for(celery_app).ui.control.inspect(timeout=1)  # type: ignore[union-attr]
    deadline = time.monotonic() + 20
    while any((inspect.active() or {}).values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any((inspect.active() or {}).values()), "the job still runs on the worker"
    # The job did not write over the cancel, and the user may render again at once.
    ended = row(celery_app, render_id)
    assert ended.status == "cancelled" and ended.mimetype is None
    assert queued_render_id(download_click(client, made["placement"])) > render_id


@pytest.fixture
def tight_time(
    pg_settings_factory: SettingsFactory, pg_url: str, redis_url: str, tmp_path: Path
) -> Iterator[Flask]:
    yield from bounded_app(
        pg_settings_factory,
        pg_url,
        redis_url,
        tmp_path,
        compositor_render_time_limit_s=1.5,
        compositor_render_kill_grace_s=5.0,
        compositor_max_upload_mb=64,  # the 12 MP noise background below is 40 MB as PNG
    )


def test_celery_time_limit_stops_a_render_inside_one_long_step(tight_time: Flask) -> None:
    client = tight_time.test_client()
    with tight_time.app_context():
        settings = current_settings()
        noise = _png(noise_rgba(4000, 3000, seed=5))
        bg = library.store_bytes("dev", "noise.png", noise, settings)
        fg = library.store_bytes("dev", "f.png", _png(solid(10, 10, (255, 0, 0, 255))), settings)
    # One plain layer (fast), then encoding 12 MP of noise as PNG: one step of seconds. Only
    # Celery's soft limit stops the render inside it (our own check comes after the step).
    render_id, _ = start_render(client, state(bg, layer(fg, 3, 3)), "png")
    ended = wait_for(tight_time, render_id, {"done", "failed"}, 90)
    assert ended.status == "failed", ended.status
    assert "ran past its time limit of 1.5 s on the worker" in (ended.error or ""), ended.error


@pytest.fixture
def tight_memory(
    pg_settings_factory: SettingsFactory, pg_url: str, redis_url: str, tmp_path: Path
) -> Iterator[Flask]:
    yield from bounded_app(
        pg_settings_factory, pg_url, redis_url, tmp_path, compositor_render_memory_mb=40
    )


def test_memory_budget_fails_a_render_with_a_message(tight_memory: Flask) -> None:
    client = tight_memory.test_client()
    with tight_memory.app_context():
        made = uploads_for(tight_memory, "dev")
    # A 4000 x 3000 RGBA canvas alone is 48 MB.
    render_id, _ = start_render(client, made["placement"])
    ended = wait_for(tight_memory, render_id, {"done", "failed"}, 60)
    assert ended.status == "failed"
    assert "more than the 40 MB of memory" in (ended.error or "")
    # The worker's process lived through it: the next render of a small placement is done.
    with tight_memory.app_context():
        settings = current_settings()
        bg = library.store_bytes("dev", "s.png", _png(solid(300, 200, (9, 9, 9, 255))), settings)
        fg = library.store_bytes("dev", "f.png", _png(solid(10, 10, (255, 0, 0, 255))), settings)
    small_id, _ = start_render(client, state(bg, layer(fg, 3, 3)))
    assert wait_for(tight_memory, small_id, {"done", "failed"}, 60).status == "done"


def test_rows_whose_job_is_gone_stop_counting(pg_settings_factory: SettingsFactory) -> None:
    server = create_app(pg_settings_factory(compositor_render_time_limit_s=10.0))
    with server.app_context():
        settings = current_settings()
        long_ago = utcnow() - dt.timedelta(seconds=10 + settings.compositor_render_kill_grace_s + 1)
        lost = CompositorRender(
            owner="gone", name="x", format="png", quality=90, state={}, status="running",
            started_at=long_ago,
        )  # fmt: skip
        fresh = CompositorRender(
            owner="gone", name="y", format="png", quality=90, state={}, status="running",
            started_at=utcnow(),
        )  # fmt: skip
        db.session.add_all([lost, fresh])
        db.session.commit()
        assert renders.end_abandoned("gone", settings) == 1
        db.session.commit()
        assert db.session.get(CompositorRender, lost.id).status == "failed"  # type: ignore[union-attr]
        assert db.session.get(CompositorRender, fresh.id).status == "running"  # type: ignore[union-attr]
        db.session.remove()
