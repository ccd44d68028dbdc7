"""Fuzzing over HTTP, as a hostile browser would: thousands of generated requests per surface.

Each request goes through the whole server (Flask, Dash's dispatcher, our role check, the
callback, the services, SQLite or PostgreSQL) the way the renderer posts it. For every case: no
5xx, no traceback or SQL text in the reply, and no change to data the request was not allowed to
make. DASHAPP_FUZZ_EXAMPLES sets the number of cases per surface and database (default 2,000;
raise it for a nightly run). Inputs that once gave 500s are seeds (@example) of every run.
"""

from __future__ import annotations

import base64
import io
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from dashapp import create_app
from dashapp.extensions import db
from dashapp.models.commerce import Order
from dashapp.models.compositor import Composite, CompositorImage, CompositorRender
from dashapp.models.dataview import ExcelExport
from dashapp.models.training import TrainingRun
from dashapp.pages.compositor import ids as comp_ids
from dashapp.pages.dataview import ids
from dashapp.pages.dataview.excel_callbacks import job_callback_key
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory
from tests.integration.training.support import FORM_FIELDS, launch
from tests.support.dash_requests import callbacks_of
from tests.support.domain import save_upload

EXAMPLES = int(os.environ.get("DASHAPP_FUZZ_EXAMPLES", "2000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # CI sees the same cases each run; a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LEAKS = ("Traceback", "sqlalchemy", "psycopg2", "sqlite3.", 'File "')
HOSTILE = st.sampled_from(
    [
        "",
        "id; DROP TABLE orders; --",
        "' OR 1=1 --",
        '"; DELETE FROM orders; --',
        "__class__",
        "../../etc/passwd",
        "%",
        "_",
        "\\",
        "\x00",
        "🙂" * 50,
        "a" * 5000,
        "1e309",
        "NaN",
    ]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | HOSTILE,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def assert_clean(response: Any) -> None:
    """A refusal or an answer, never a crash, and nothing of our insides in the body."""
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:500]
    for leak in LEAKS:
        assert leak not in body, body[:500]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def factory(request: pytest.FixtureRequest, settings_factory: SettingsFactory) -> SettingsFactory:
    """Settings on SQLite, or on the session's PostgreSQL (where three of the 500s only showed)."""
    if request.param == "postgres":
        pg: SettingsFactory = request.getfixturevalue("pg_settings_factory")
        return pg
    return settings_factory


@pytest.fixture
def server(factory: SettingsFactory) -> Iterator[Flask]:
    app = create_app(
        factory(
            dev_role="trainer",
            training_launches_per_minute=1_000_000,
            compositor_max_upload_mb=1,
            compositor_max_pixels=1_000_000,
        )
    )
    with app.app_context():
        seed(db.engine, SeedPlan.for_orders(300))
    app.test_client().get("/")  # Dash finishes its set-up on the first request
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def fingerprint(app: Flask, model: Any, *where: Any) -> tuple[Any, ...]:
    """Row count and every column of the (matching) rows of a table: any write changes it."""
    with app.app_context():
        table = model.__table__
        query = sa.select(table).where(*where).order_by(*table.primary_key.columns)
        rows = db.session.execute(query).all()
        db.session.remove()
    return len(rows), tuple(tuple(map(repr, row)) for row in rows)


# --- the data view's block requests --------------------------------------------------------

COLUMNS = st.sampled_from([*Order.__table__.columns.keys(), "category", "customer"]) | HOSTILE
OPERATORS = (
    st.sampled_from(
        ["contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank"]
        + ["notBlank", "lessThan", "greaterThanOrEqual", "inRange", "AND", "OR"]
    )
    | HOSTILE
)
CONDITION = st.fixed_dictionaries(
    {},
    optional={
        "filterType": st.sampled_from(["text", "number", "date", "set"]) | HOSTILE,
        "type": OPERATORS,
        "filter": JSON,
        "filterTo": JSON,
        "dateFrom": st.sampled_from(["2024-03-01 00:00:00", "2024-13-45", ""]) | JSON,
        "dateTo": JSON,
        "values": st.lists(JSON, max_size=4) | JSON,
    },
)
FILTER = CONDITION | st.fixed_dictionaries(
    {"filterType": st.just("text"), "operator": OPERATORS, "conditions": st.lists(CONDITION)}
)
FILTER_MODEL = st.dictionaries(COLUMNS, FILTER | JSON, max_size=3) | JSON
SORT_MODEL = (
    st.lists(
        st.fixed_dictionaries(
            {"colId": COLUMNS, "sort": st.sampled_from(["asc", "desc"]) | HOSTILE | JSON}
        ),
        max_size=3,
    )
    | JSON
)
ROW = st.integers(-5, 10**12) | JSON
BLOCK_REQUEST = (
    st.fixed_dictionaries(
        {"startRow": ROW, "endRow": ROW, "sortModel": SORT_MODEL, "filterModel": FILTER_MODEL}
    )
    | JSON
)


def rows_callback(
    server: Flask, request: Any, table: Any, quick: Any, facets: list[Any]
) -> dict[str, Any]:
    """The grid's block request, built from the app's callback map."""
    return callbacks_of(server).body(
        f"{ids.ROWS}.data",
        inputs={f"{ids.GRID}.getRowsRequest": request},
        state={
            f"{ids.TABLE}.data": table,
            f"{ids.QUICK}.value": quick,
            f"{ids.FACET_COLUMNS}.data": facets,
        },
    )


def test_grid_block_requests_never_crash_or_write(server: Flask) -> None:
    client = server.test_client()
    before = fingerprint(server, Order)
    answered = []

    @FUZZ
    @given(
        request=BLOCK_REQUEST,
        table=st.sampled_from(["orders", "customers", "products"]) | HOSTILE | JSON,
        quick=st.none() | st.text(max_size=20) | HOSTILE | JSON,
        facets=st.lists(COLUMNS, max_size=4) | JSON,
    )
    # Seeds: inputs that gave 500s on PostgreSQL (issue 12).
    @example(request={"startRow": 0, "endRow": 10}, table="t" * 121, quick=None, facets=[])
    @example(
        request={
            "startRow": 0,
            "endRow": 10,
            "filterModel": {
                "amount": {"filterType": "number", "type": "equals", "filter": "1e-999999"}
            },
        },
        table="orders",
        quick=None,
        facets=[],
    )
    def case(request: Any, table: Any, quick: Any, facets: Any) -> None:
        response = client.post(
            "/_dash-update-component", json=rows_callback(server, request, table, quick, facets)
        )
        assert_clean(response)
        answered.append(response.status_code)

    case()
    assert fingerprint(server, Order) == before
    # The generator must reach the query builder, not only the shape checks in front of it.
    assert answered.count(200) > EXAMPLES // 4, answered.count(200)


# --- the training form ----------------------------------------------------------------------

FORM_VALUE = (
    st.none()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | HOSTILE
    | JSON
)
PLAUSIBLE = {
    "dataset": st.sampled_from(["digits", "orders", "synthetic"]),
    "epochs": st.integers(0, 300),
    "batch_size": st.integers(0, 10_000),
    "lr": st.floats(0, 20),
    "device": st.sampled_from(["auto", "cpu", "cuda"]),
}


def run_count(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(TrainingRun)) or 0
        db.session.remove()
    return int(count)


def test_training_form_never_crashes_and_queues_only_valid_runs(
    server: Flask, factory: SettingsFactory
) -> None:
    client = server.test_client()
    baseline = run_count(server)  # PostgreSQL's database is shared with earlier tests
    viewer_app = create_app(factory(dev_role="viewer"))
    viewer = viewer_app.test_client()
    viewer.get("/")
    queued = 0

    @FUZZ
    @given(
        form=st.fixed_dictionaries(
            {},
            optional={
                name: (PLAUSIBLE[name] | FORM_VALUE) if name in PLAUSIBLE else FORM_VALUE
                for name in FORM_FIELDS
            },
        ),
        as_viewer=st.booleans(),
    )
    def case(form: dict[str, Any], as_viewer: bool) -> None:
        nonlocal queued
        before = run_count(server)
        response = launch(viewer if as_viewer else client, form)
        assert_clean(response)
        created = run_count(server) - before
        if as_viewer:
            assert response.status_code == 403 and created == 0
            return
        answer = response.get_json()["response"] if response.status_code == 200 else {}
        launched = isinstance(answer.get("train-launch", {}).get("data"), dict)
        assert created == (1 if launched else 0), (form, answer)
        queued += created

    try:
        case()
    finally:
        with viewer_app.app_context():
            db.engine.dispose()
    assert queued > 0, "no generated form was valid: the valid path went untested"
    assert run_count(server) == baseline + queued


# --- the compositor's uploads and placement state -------------------------------------------


def png_bytes(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 30, 30, 128)).save(out, "PNG")
    return out.getvalue()


REAL = png_bytes(40, 30)
PAYLOAD = st.one_of(
    st.binary(max_size=2048),
    st.just(REAL),
    st.integers(1, len(REAL) - 1).map(lambda cut: REAL[:cut]),  # truncated
    st.binary(min_size=1, max_size=64).map(lambda noise: REAL[:60] + noise + REAL[60:]),
    st.sampled_from([b"GIF89a", b"\x89PNG\r\n\x1a\n", b"<svg onload=alert(1)>", b"%PDF-1.4"]),
)
MIME = st.sampled_from(["image/png", "image/jpeg", "image/webp", "text/html", "", "x"])
DATA_URL = (
    st.builds(
        lambda mime, data: f"data:{mime};base64," + base64.b64encode(data).decode(), MIME, PAYLOAD
    )
    | st.text(max_size=40)
    | HOSTILE
    | JSON
)


def upload_callback(
    server: Flask, background: Any, foregrounds: Any, names: Any, placement: Any
) -> Any:
    """An upload (background, or foregrounds when given), built from the app's callback map."""
    trigger = comp_ids.UPLOAD_FG if foregrounds is not None else comp_ids.UPLOAD_BG
    return callbacks_of(server).body(
        f"{comp_ids.COMMAND}.data",
        inputs={
            f"{comp_ids.UPLOAD_BG}.contents": background,
            f"{comp_ids.UPLOAD_FG}.contents": foregrounds,
            f"{comp_ids.OPEN_TYPE}.n_clicks": [],  # no gallery card on the page
        },
        state={
            f"{comp_ids.UPLOAD_BG}.filename": names,
            f"{comp_ids.UPLOAD_FG}.filename": names,
            f"{comp_ids.PLACEMENT}.data": placement,
        },
        changed=[f"{trigger}.contents"],
    )


def download_callback(server: Flask, placement: Any, fmt: Any, quality: Any, name: Any) -> Any:
    """A click on Download full size, built from the app's callback map."""
    return callbacks_of(server).body(
        f"{comp_ids.DOWNLOAD}.data",
        inputs={f"{comp_ids.DOWNLOAD_BTN}.n_clicks": 1},
        state={
            f"{comp_ids.PLACEMENT}.data": placement,
            f"{comp_ids.FORMAT}.value": fmt,
            f"{comp_ids.QUALITY}.value": quality,
            f"{comp_ids.NAME}.value": name,
        },
    )


LAYER = st.fixed_dictionaries(
    {},
    optional={
        key: st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**9), 10**9) | JSON
        for key in ("x", "y", "scale", "scale_x", "scale_y", "rotation", "opacity", "z")
    }
    | {"id": st.integers(-3, 50) | JSON},
)
PLACEMENT = (
    st.fixed_dictionaries(
        {},
        optional={
            "background": st.fixed_dictionaries({}, optional={"id": st.integers(-3, 50) | JSON})
            | JSON,
            "layers": st.lists(LAYER, max_size=4) | JSON,
        },
    )
    | JSON
)


def test_compositor_uploads_and_placements_never_crash(server: Flask) -> None:
    client: FlaskClient = server.test_client()
    other = f"someone-else-{uuid.uuid4().hex[:8]}"  # unique: PostgreSQL's database is shared
    with server.app_context():
        # Another user's upload: nothing a request of ours does may touch or reveal it.
        from dashapp.settings import current_settings

        save_upload(
            other,
            "theirs.png",
            "data:image/png;base64," + base64.b64encode(REAL).decode(),
            current_settings(),
        )
        db.session.remove()
    theirs = CompositorImage.owner == other
    before = fingerprint(server, CompositorImage, theirs)

    @FUZZ
    @given(
        upload=st.booleans(),
        background=DATA_URL,
        foregrounds=st.none() | st.lists(DATA_URL, max_size=3) | JSON,
        names=st.none() | st.text(max_size=20) | HOSTILE | JSON,
        placement=PLACEMENT,
        fmt=st.sampled_from(["png", "jpeg", "webp"]) | HOSTILE | JSON,
        quality=st.integers(-5, 200) | JSON,
    )
    def case(
        upload: bool,
        background: Any,
        foregrounds: Any,
        names: Any,
        placement: Any,
        fmt: Any,
        quality: Any,
    ) -> None:
        body = (
            upload_callback(server, background, foregrounds, names, placement)
            if upload
            else download_callback(server, placement, fmt, quality, names)
        )
        assert_clean(client.post("/_dash-update-component", json=body))

    case()
    assert fingerprint(server, CompositorImage, theirs) == before
    assert before[0] == 1


def id_callback(server: Flask, kind: str, value: Any) -> dict[str, Any]:
    """A callback that names a per-user object by id: a gallery card's button, or a job."""
    callbacks = callbacks_of(server)
    if kind == "render-job":
        return callbacks.body(
            f"{comp_ids.RENDER_DONE}.data",
            {f"{comp_ids.RENDER_REQ}.data": value},
            changed=[f"{comp_ids.RENDER_REQ}.data"],
        )
    if kind == "excel-job":
        key = job_callback_key(server.extensions["dash_app"])
        return callbacks.body(
            key, {f"{ids.XLSX_JOB}.data": value}, changed=[f"{ids.XLSX_JOB}.data"]
        )
    component = {"type": kind, "id": value}
    entry = {"id": component, "property": "n_clicks", "value": 1}
    output = next(
        key
        for key, spec in callbacks.app.callback_map.items()
        if any(f'"{kind}"' in str(dep["id"]) for dep in spec["inputs"])
    )
    changed = [json.dumps(component, separators=(",", ":"), default=str) + ".n_clicks"]
    return callbacks.body(output, {f"{kind}.n_clicks": [entry]}, changed=changed)


def test_callbacks_naming_objects_by_id_never_crash_or_write(server: Flask) -> None:
    client: FlaskClient = server.test_client()
    other = f"owner-{uuid.uuid4().hex[:8]}"  # unique: PostgreSQL's database is shared
    with server.app_context():
        from dashapp.compositing import library
        from dashapp.settings import current_settings

        bg = save_upload(
            other,
            "bg.png",
            "data:image/png;base64," + base64.b64encode(REAL).decode(),
            current_settings(),
        )
        placement = {"background": bg.as_dict(), "layers": [{**bg.as_dict(), "x": 1, "y": 1}]}
        theirs_id = library.save_composite(other, "theirs", placement, current_settings())
        # Jobs of ours that wait on PostgreSQL's shared database (earlier tests queued them).
        waiting = {
            (model, row_id)
            for model in (CompositorRender, ExcelExport)
            for (row_id,) in db.session.query(model.id).filter_by(owner="dev", status="queued")
        }
        db.session.remove()
    theirs = Composite.owner == other
    before = fingerprint(server, Composite, theirs)
    ID = st.integers(-(2**70), 2**70) | st.just(theirs_id) | JSON | HOSTILE

    @FUZZ
    @given(
        kind=st.sampled_from(
            [comp_ids.OPEN_TYPE, comp_ids.DELETE_TYPE, comp_ids.GALLERY_DOWNLOAD_TYPE]
        ),
        job=st.sampled_from(["render-job", "excel-job"]),
        composite_id=ID,
        job_id=ID,
        as_job=st.booleans(),
    )
    def case(kind: str, job: str, composite_id: Any, job_id: Any, as_job: bool) -> None:
        if as_job:
            field = "render_id" if job == "render-job" else "export_id"
            body = id_callback(server, job, st_value(field, job_id))
        else:
            body = id_callback(server, kind, composite_id)
        response = client.post("/_dash-update-component", json=body)
        assert_clean(response)
        model = CompositorRender if job == "render-job" else ExcelExport
        ours = isinstance(job_id, int) and (model, job_id) in waiting
        if as_job and not ours:  # refused before anything reaches the queue
            assert response.status_code == 404, response.get_data(as_text=True)[:200]

    case()
    assert fingerprint(server, Composite, theirs) == before


def st_value(field: str, value: Any) -> Any:
    """The job store's value as the page writes it ({field: id}), or the raw value at times."""
    return {field: value} if not isinstance(value, str) else value


# --- saved views and raw bodies ---------------------------------------------------------------


def save_view_callback(server: Flask, name: Any, table: Any, quick: Any) -> dict[str, Any]:
    """A click on Save view, built from the app's callback map."""
    return callbacks_of(server).body(
        f"{ids.VIEW_MESSAGE}.children",
        inputs={f"{ids.VIEW_SAVE}.n_clicks": 1},
        state={
            f"{ids.VIEW_NAME}.value": name,
            f"{ids.TABLE}.data": table,
            f"{ids.QUICK}.value": quick,
            f"{ids.FACET_COLUMNS}.data": [],
        },
    )


def test_saved_view_requests_never_crash(server: Flask) -> None:
    client = server.test_client()

    @FUZZ
    @given(
        name=st.text(max_size=100) | HOSTILE | JSON,
        table=st.sampled_from(["orders", "customers"]) | st.text(max_size=130) | HOSTILE | JSON,
        quick=st.none() | st.text(max_size=20) | HOSTILE | JSON,
    )
    # Seeds: a NUL in the name and a 121-character table name gave 500s (issue 12).
    @example(name="bad\x00name", table="orders", quick=None)
    @example(name="fine", table="t" * 121, quick=None)
    # Found by this suite on PostgreSQL: its json type refuses Infinity.
    @example(name="0", table="orders", quick=float("inf"))
    def case(name: Any, table: Any, quick: Any) -> None:
        response = client.post(
            "/_dash-update-component", json=save_view_callback(server, name, table, quick)
        )
        assert_clean(response)

    case()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_raw_callback_bodies_never_crash(server: Flask) -> None:
    client = server.test_client()
    valid = json.dumps(save_view_callback(server, "v", "orders", None))

    @FUZZ
    @given(
        body=st.binary(max_size=300)
        | st.text(max_size=300).map(str.encode)
        | st.integers(1, len(valid) - 1).map(lambda cut: valid[:cut].encode())
        | st.integers(1, 3000).map(lambda depth: ('{"output": ' + nested(depth) + "}").encode())
    )
    # Seed: a 2,000-deep JSON body gave a 500 (recursion in the parser; issue 12).
    @example(body=('{"output": "x", "inputs": ' + nested(2000) + "}").encode())
    def case(body: bytes) -> None:
        response = client.post(
            "/_dash-update-component", data=body, content_type="application/json"
        )
        assert_clean(response)
        assert response.status_code in {400, 403, 413}, response.get_data(as_text=True)[:200]

    case()
