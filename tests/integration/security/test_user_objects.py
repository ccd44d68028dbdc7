"""Every per-user object added after the saved views, walked by id as another user on
PostgreSQL and Redis: uploads, composites, renders, Excel export jobs, run files; job requests
for them refused before the broker; forged ids a 4xx, never a 500.

Saved views: test_id_walking.py. Run management and sweep cancel by others:
training/test_run_manage.py and training/test_sweeps.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from dashapp import create_app
from dashapp.compositing import library
from dashapp.extensions import db
from dashapp.models.compositor import CompositorRender
from dashapp.models.dataview import ExcelExport
from dashapp.models.training import RunArtifact, TrainingRun
from dashapp.pages.compositor import ids as comp_ids
from dashapp.pages.dataview import ids as dash_ids
from dashapp.pages.dataview.excel_callbacks import job_callback_key
from dashapp.pages.training import render
from dashapp.settings import current_settings
from tests.conftest import SettingsFactory
from tests.support.dash_requests import DISPATCH, callbacks_of

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PROXY = {"REMOTE_ADDR": "127.0.0.1"}
ANN = {"X-Forwarded-User": "ann", "X-Forwarded-Groups": "ml"}
BOB = {"X-Forwarded-User": "bob", "X-Forwarded-Groups": "ml"}
ADA = {"X-Forwarded-User": "ada", "X-Forwarded-Groups": "dashapp-admins"}
SECRET = b"ann-private-bytes-51c"
FORGED = ["abc", -1, 0, 2**70, 1.5, None, True, {"id": 1}]


@dataclass
class Objects:
    """Ids of Ann's objects of every kind."""

    image: int
    composite: int
    render_queued: int
    render_done: int
    export_queued: int
    export_done: int
    run: int


@pytest.fixture
def queue() -> str:
    # A UI queue no worker serves: whatever the web tier queues stays there to be counted.
    return f"dash-walk-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def app(pg_settings_factory: SettingsFactory, redis_url: str, queue: str) -> Iterator[Flask]:
    server = create_app(
        pg_settings_factory(
            env="production", redis_url=redis_url, trainer_groups=["ml"], ui_queue=queue
        )
    )
    yield server
    client = redis.Redis.from_url(redis_url)
    client.delete(queue)
    client.close()
    with server.app_context():
        db.session.remove()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (200, 0, 0, 255)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def anns(app: Flask) -> Objects:
    with app.app_context():
        settings = current_settings()
        bg = library.store_bytes("ann", "bg.png", _png(), settings)
        placement = {"background": bg.as_dict(), "layers": [{**bg.as_dict(), "x": 10, "y": 5}]}
        composite = library.save_composite("ann", "private", placement, settings)
        renders = [
            CompositorRender(owner="ann", name="r", format="png", quality=90, state=placement),
            CompositorRender(
                owner="ann",
                name="r",
                format="png",
                quality=90,
                state=placement,
                status="done",
                mimetype="image/png",
                data=SECRET,
            ),
        ]
        exports = [
            ExcelExport(
                owner="ann",
                table_name="orders",
                state={},
                columns=["id"],
                row_limit=10,
                filename=name,
                status=status,
                data=data,
            )
            for name, status, data in (("q.xlsx", "queued", None), ("d.xlsx", "done", SECRET))
        ]
        run = TrainingRun(owner="ann", status="succeeded", recipe="digits", config={}, log="")
        db.session.add_all([*renders, *exports, run])
        db.session.flush()
        for name, kind, data in (
            ("curves.png", "image", _png()),
            ("model.pt", "checkpoint", SECRET),
        ):
            db.session.add(
                RunArtifact(
                    run_id=run.id,
                    name=name,
                    kind=kind,
                    title=name,
                    content_type="application/octet-stream",
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    data=data,
                )
            )
        db.session.commit()
        made = Objects(
            bg.image_id,
            composite,
            renders[0].id,
            renders[1].id,
            exports[0].id,
            exports[1].id,
            run.id,
        )
        db.session.remove()
    return made


def get(client: FlaskClient, path: str, headers: dict[str, str]) -> Any:
    return client.get(path, headers=headers, environ_base=PROXY)


def queued(redis_url: str, queue: str) -> int:
    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.llen(queue))
    finally:
        client.close()


def test_another_users_files_are_not_found_by_id(app: Flask, anns: Objects) -> None:
    client = app.test_client()
    owner_only = [
        f"/compositor/images/{anns.image}/preview",
        f"/compositor/composites/{anns.composite}/thumbnail",
        f"/compositor/composites/{anns.composite}/download",
        f"/compositor/renders/{anns.render_done}/download",
        f"/export/jobs/{anns.export_done}.xlsx",
    ]
    for path in owner_only:
        assert get(client, path, ANN).status_code == 200, path  # the owner gets it
        refused = get(client, path, BOB)
        assert refused.status_code == 404, (path, refused.status_code)
        assert SECRET not in refused.data
    # Walking ids around Ann's finds nothing of hers either.
    for offset in range(-3, 4):
        for path in owner_only:
            walked = path.replace(f"/{anns.image}/", f"/{anns.image + offset}/")
            assert SECRET not in get(client, walked, BOB).data
    # Bob cannot cancel Ann's render; it stays queued.
    cancel = client.post(
        f"/compositor/renders/{anns.render_queued}/cancel",
        headers={**BOB, "X-Dashapp-Cancel": "1"},
        environ_base=PROXY,
    )
    assert cancel.status_code == 200 and cancel.get_json() == {"cancelled": False}
    with app.app_context():
        assert db.session.get(CompositorRender, anns.render_queued).status == "queued"  # type: ignore[union-attr]


def test_run_images_are_watched_by_all_but_files_are_the_owners(app: Flask, anns: Objects) -> None:
    client = app.test_client()
    image = f"/artifacts/runs/{anns.run}/curves.png"
    checkpoint = f"/artifacts/runs/{anns.run}/model.pt?download=1"
    metrics = f"/training/runs/{anns.run}/metrics.csv"
    assert get(client, image, BOB).status_code == 200  # watching a run shows its images
    for path in (checkpoint, metrics):
        refused = get(client, path, BOB)
        assert refused.status_code == 403, (path, refused.status_code)
        assert "only its owner or an admin" in refused.get_json()["error"]
        assert get(client, path, ANN).status_code == 200, path
        assert get(client, path, ADA).status_code == 200, path
    assert get(client, checkpoint, ANN).data == SECRET
    # The page offers Bob no link he would be refused.
    with app.app_context():
        run = db.session.get(TrainingRun, anns.run)
        assert run is not None
        others = json.dumps(render.gallery(run, False), default=lambda c: c.to_plotly_json())
        owners = json.dumps(render.gallery(run, True), default=lambda c: c.to_plotly_json())
    assert "model.pt" not in others and "curves.png" in others
    assert "model.pt" in owners


def render_job(client: FlaskClient, request: Any, headers: dict[str, str]) -> Any:
    body = callbacks_of(client.application).body(
        f"{comp_ids.RENDER_DONE}.data",
        {f"{comp_ids.RENDER_REQ}.data": request},
        changed=[f"{comp_ids.RENDER_REQ}.data"],
    )
    return client.post(DISPATCH, json=body, headers=headers, environ_base=PROXY)


def excel_job(client: FlaskClient, request: Any, headers: dict[str, str]) -> Any:
    body = callbacks_of(client.application).body(
        job_callback_key(client.application.extensions["dash_app"]),
        {f"{dash_ids.XLSX_JOB}.data": request},
        changed=[f"{dash_ids.XLSX_JOB}.data"],
    )
    return client.post(DISPATCH, json=body, headers=headers, environ_base=PROXY)


def test_job_requests_for_others_or_forged_ids_never_reach_the_broker(
    app: Flask, anns: Objects, redis_url: str, queue: str
) -> None:
    client = app.test_client()
    cases: list[tuple[Any, dict[str, str]]] = [
        (anns.render_queued, BOB),  # someone else's
        (anns.render_done, ANN),  # finished: a job runs a render once
        (anns.render_queued + 1000, ANN),  # no such render
        *((forged, ANN) for forged in FORGED),
    ]
    for render_id, headers in cases:
        refused = render_job(client, {"render_id": render_id}, headers)
        assert refused.status_code == 404, (render_id, refused.get_data(as_text=True)[:300])
        assert "No such render" in refused.get_json()["error"]
    excel_cases: list[tuple[Any, dict[str, str]]] = [
        (anns.export_queued, BOB),
        (anns.export_done, ANN),
        *((forged, ANN) for forged in FORGED),
    ]
    for export_id, headers in excel_cases:
        refused = excel_job(client, {"export_id": export_id}, headers)
        assert refused.status_code == 404, (export_id, refused.get_data(as_text=True)[:300])
    assert queued(redis_url, queue) == 0
    with app.app_context():
        assert db.session.get(CompositorRender, anns.render_queued).status == "queued"  # type: ignore[union-attr]
    # The owner's queued render and export do reach it: one message each.
    accepted = render_job(client, {"render_id": anns.render_queued}, ANN)
    assert accepted.status_code == 200, accepted.get_data(as_text=True)[:300]
    assert set(accepted.get_json()) >= {"cacheKey", "job"}
    assert excel_job(client, {"export_id": anns.export_queued}, ANN).status_code == 200
    assert queued(redis_url, queue) == 2


def gallery_click(client: FlaskClient, kind: str, composite_id: Any) -> Any:
    """A click on a gallery card's button (Open, Delete, Download) naming `composite_id`."""
    component = {"type": kind, "id": composite_id}
    entry = {"id": component, "property": "n_clicks", "value": 1}
    changed = [json.dumps(component, separators=(",", ":")) + ".n_clicks"]
    outputs = {
        comp_ids.OPEN_TYPE: f"{comp_ids.COMMAND}.data",
        comp_ids.DELETE_TYPE: f"{comp_ids.DELETE_PENDING}.data",
        comp_ids.GALLERY_DOWNLOAD_TYPE: f"{comp_ids.GALLERY_MSG}.children",
    }
    callbacks = callbacks_of(client.application)
    output = outputs[kind]
    if kind == comp_ids.GALLERY_DOWNLOAD_TYPE:
        # Several callbacks write the gallery message: the download's is the one with this input.
        output = next(
            key
            for key, spec in callbacks.app.callback_map.items()
            if any(kind in str(dep["id"]) for dep in spec["inputs"])
        )
    body = callbacks.body(output, {f"{kind}.n_clicks": [entry]}, changed=changed)
    return client.post(DISPATCH, json=body, headers=BOB, environ_base=PROXY)


@pytest.mark.parametrize(
    "kind", [comp_ids.OPEN_TYPE, comp_ids.DELETE_TYPE, comp_ids.GALLERY_DOWNLOAD_TYPE]
)
def test_gallery_buttons_naming_others_or_forged_ids_do_nothing(
    app: Flask, anns: Objects, kind: str
) -> None:
    client = app.test_client()
    for composite_id in [anns.composite, "abc", 2**70, -1, 1e308, "1" * 5000]:
        response = gallery_click(client, kind, composite_id)
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 204), (composite_id, response.status_code, body[:300])
        assert "private" not in body  # the composite's name never shows
    with app.app_context():
        assert library.composite_state("ann", anns.composite)[0] == "private"
        assert db.session.query(CompositorRender).filter_by(owner="bob").count() == 0


def test_each_user_keeps_a_bounded_number_of_views_and_composites(app: Flask) -> None:
    """Every save is bounded in size; the number of rows one user keeps is bounded too."""
    import datetime as dt

    from dashapp.compositing.geometry import PlacementError
    from dashapp.dataview import saved_views
    from dashapp.dataview.errors import GridQueryError
    from dashapp.models.compositor import Composite
    from dashapp.models.dataview import SavedView

    user = f"hoarder-{uuid.uuid4().hex[:6]}"
    with app.test_request_context():
        settings = current_settings()
        bg = library.store_bytes(user, "bg.png", _png(), settings)
        placement = {"background": bg.as_dict(), "layers": [{**bg.as_dict(), "x": 10, "y": 5}]}
        db.session.add_all(
            SavedView(owner=user, table_name="orders", name=f"v{i}", state={})
            for i in range(saved_views.MAX_VIEWS)
        )
        db.session.add_all(
            Composite(owner=user, name=f"c{i}", state={}, width=1, height=1, thumbnail=b"")
            for i in range(library.MAX_COMPOSITES)
        )
        db.session.commit()
        with pytest.raises(GridQueryError, match="500 saved views"):
            saved_views.save_view(user, "orders", "one more", {})
        with pytest.raises(PlacementError, match="holds 500 composites"):
            library.save_composite(user, "one more", placement, settings)
        # Saving over an existing name needs no room; others are not affected.
        saved_views.save_view(user, "orders", "v1", {"quick": "x"})
        library.save_composite(user, "c1", placement, settings)
        saved_views.save_view(f"{user}-other", "orders", "first", {})
        # A deleted view frees its place once its undo window has passed.
        view = saved_views.save_view(user, "orders", "v2", {})
        assert saved_views.delete_view(user, view.id)
        with pytest.raises(GridQueryError, match="500 saved views"):
            saved_views.save_view(user, "orders", "one more", {})
        row = db.session.get(SavedView, view.id)
        assert row is not None
        row.deleted_at = row.deleted_at - dt.timedelta(seconds=60)  # type: ignore[operator]
        db.session.commit()
        saved_views.save_view(user, "orders", "one more", {})
        db.session.remove()


def test_per_user_job_caps_hold_for_16_concurrent_requests(app: Flask) -> None:
    """One Excel job and two renders per user (the defaults), however many clicks arrive at
    once: the count and the insert happen under a per-user lock."""
    import threading

    user = f"burst-{uuid.uuid4().hex[:6]}"
    headers = {"X-Forwarded-User": user, "X-Forwarded-Groups": "ml"}
    with app.app_context():
        bg = library.store_bytes(user, "bg.png", _png(), current_settings())
        db.session.remove()
    placement = {"background": bg.as_dict(), "layers": [{**bg.as_dict(), "x": 10, "y": 5}]}
    callbacks = callbacks_of(app)

    def excel(client: FlaskClient) -> Any:
        return callbacks.post(
            client,
            f"{dash_ids.XLSX_JOB}.data",
            {f"{dash_ids.EXPORT_XLSX}.n_clicks": 1},
            {
                f"{dash_ids.TABLE}.data": "orders",
                f"{dash_ids.XLSX_ARGS}.data": {"state": {}, "columns": ["id", "amount"]},
            },
            headers=headers,
            environ_base=PROXY,
        )

    def render_click(client: FlaskClient) -> Any:
        state = {
            f"{comp_ids.PLACEMENT}.data": placement,
            f"{comp_ids.FORMAT}.value": "png",
            f"{comp_ids.QUALITY}.value": 90,
            f"{comp_ids.NAME}.value": "burst",
        }
        click = {f"{comp_ids.DOWNLOAD_BTN}.n_clicks": 1}
        return callbacks.post(
            client, f"{comp_ids.DOWNLOAD}.data", click, state, headers=headers, environ_base=PROXY
        )

    for send, model, cap in ((excel, ExcelExport, 1), (render_click, CompositorRender, 2)):
        barrier = threading.Barrier(16)
        statuses: list[int] = []

        def one(
            send: Any = send, barrier: threading.Barrier = barrier, statuses: list[int] = statuses
        ) -> None:
            client = app.test_client()
            barrier.wait()
            response = send(client)
            statuses.append(response.status_code)

        threads = [threading.Thread(target=one) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert statuses == [200] * 16, statuses  # refusals are messages on the page
        with app.app_context():
            stored = db.session.query(model).filter_by(owner=user, status="queued").count()
            db.session.remove()
        assert stored == cap, (model.__name__, stored)
