"""Malformed input gives a 4xx with a clear message, on SQLite and on PostgreSQL; no 500s."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from dashapp.models.dataview import SavedView
from dashapp.pages.dataview import ids
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory
from tests.support.dash_requests import callbacks_of

LEAKS = ("Traceback", "sqlalchemy", "psycopg2", "sqlite3.", 'File "')


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, settings_factory: SettingsFactory) -> Iterator[Flask]:
    if request.param == "postgres":
        factory: SettingsFactory = request.getfixturevalue("pg_settings_factory")
    else:
        factory = settings_factory
    app = create_app(factory(dev_role="trainer"))
    with app.app_context():
        seed(db.engine, SeedPlan.for_orders(50))
    app.test_client().get("/")
    yield app
    with app.app_context():
        db.session.remove()


def assert_refused_clearly(response: Any, message: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:300]
    for leak in LEAKS:
        assert leak not in body, body[:300]
    assert message in body, body[:300]


def save_view(app: Flask, name: Any, table: Any) -> Any:
    return callbacks_of(app).post(
        app.test_client(),
        f"{ids.VIEW_MESSAGE}.children",
        inputs={f"{ids.VIEW_SAVE}.n_clicks": 1},
        state={f"{ids.VIEW_NAME}.value": name, f"{ids.TABLE}.data": table},
    )


def grid_block(app: Flask, filter_model: Any, table: Any = "orders") -> Any:
    request = {"startRow": 0, "endRow": 50, "sortModel": [], "filterModel": filter_model}
    return callbacks_of(app).post(
        app.test_client(),
        f"{ids.ROWS}.data",
        inputs={f"{ids.GRID}.getRowsRequest": request},
        state={f"{ids.TABLE}.data": table},
    )


def saved_count(app: Flask) -> int:
    with app.app_context():
        count = db.session.query(SavedView).count()
        db.session.remove()
    return count


def test_nul_in_a_view_name(server: Flask) -> None:
    before = saved_count(server)
    response = save_view(server, "bad\x00name", "orders")
    assert_refused_clearly(response, "control characters")
    assert saved_count(server) == before


def test_121_character_table_name(server: Flask) -> None:
    before = saved_count(server)
    response = save_view(server, "fine", "t" * 121)
    assert_refused_clearly(response, "not available")
    assert saved_count(server) == before
    assert_refused_clearly(grid_block(server, {}, table="t" * 121), "not available")


@pytest.mark.parametrize("value", ["1e-999999", "1e999999", -1e308, "1" * 400])
def test_extreme_numbers_in_a_number_filter(server: Flask, value: Any) -> None:
    model = {"amount": {"filterType": "number", "type": "greaterThan", "filter": value}}
    response = grid_block(server, model)
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:300]
    for leak in LEAKS:
        assert leak not in body, body[:300]


def test_2000_deep_json_body(server: Flask) -> None:
    deep = "[" * 2000 + "]" * 2000
    raw = '{"output": "dash-rows.data", "inputs": ' + deep + "}"
    response = server.test_client().post(
        "/_dash-update-component", data=raw, content_type="application/json"
    )
    assert response.status_code == 400
    assert_refused_clearly(response, "nested too deeply")
    # Also when the nesting hides inside a value that parses fine.
    nested: Any = 1
    for _ in range(200):
        nested = {"a": nested}
    model = {"amount": nested}
    body = json.dumps({"output": "x", "inputs": [model]})
    response = server.test_client().post(
        "/_dash-update-component", data=body, content_type="application/json"
    )
    assert response.status_code == 400


def test_oversized_callback_body_is_413_before_parsing(server: Flask) -> None:
    raw = '{"output": "dash-rows.data", "inputs": [' + '"x",' * 200_000 + '"x"]}'
    response = server.test_client().post(
        "/_dash-update-component", data=raw, content_type="application/json"
    )
    assert response.status_code == 413
    assert_refused_clearly(response, "too large")
    assert "at most 512 KB" in response.get_json()["error"]  # the limit is named


def test_an_oversized_body_is_refused_without_being_parsed(server: Flask) -> None:
    # Not JSON at all: a parse would answer 400 "Malformed"; the size check answers first.
    raw = '{"output": "dash-rows.data", "inputs": ' + "[" * 600_000
    response = server.test_client().post(
        "/_dash-update-component", data=raw, content_type="application/json"
    )
    assert response.status_code == 413, response.get_data(as_text=True)[:300]


def test_a_large_upload_must_name_its_callback_first(server: Flask) -> None:
    """Only the first bytes are read before the size check, so a large upload body must start
    with its "output" key, as Dash's renderer always writes it; an API client that sorts its keys
    gets a 413 that says so (docs/security.md)."""
    from dashapp.web.request_limits import LARGE_BODY_OUTPUTS

    contents = "data:image/png;base64," + "A" * 700_000
    body = callbacks_of(server).body(
        LARGE_BODY_OUTPUTS[0],
        inputs={"comp-upload-bg.contents": contents},
        state={"comp-upload-bg.filename": "big.png"},
    )
    response = server.test_client().post(
        "/_dash-update-component",
        data=json.dumps(body, sort_keys=True),  # "changedPropIds" first
        content_type="application/json",
    )
    assert response.status_code == 413
    assert "Only an image upload may send more" in response.get_json()["error"]


def test_the_upload_callback_alone_may_send_a_large_body(server: Flask) -> None:
    from dashapp.web.request_limits import LARGE_BODY_OUTPUTS

    output = LARGE_BODY_OUTPUTS[0]
    assert output in server.extensions["dash_app"].callback_map  # the id is still the upload's
    contents = "data:image/png;base64," + "A" * 700_000  # over the 512 KB callback limit
    body = callbacks_of(server).body(
        output,
        inputs={"comp-upload-bg.contents": contents},
        state={"comp-upload-bg.filename": "big.png"},
    )
    # Sent as the renderer sends it: "output" first (Flask's json= would sort the keys).
    response = server.test_client().post(
        "/_dash-update-component", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    # The same body aimed at any other callback is refused before parsing.
    body["output"] = "dash-rows.data"
    refused = server.test_client().post(
        "/_dash-update-component", data=json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 413


def test_a_repeated_output_key_cannot_smuggle_a_large_body(server: Flask) -> None:
    from dashapp.web.request_limits import LARGE_BODY_OUTPUTS

    # The first bytes name the upload callback; JSON keeps the last "output": the grid's.
    raw = (
        '{"output": "' + LARGE_BODY_OUTPUTS[0] + '", "inputs": ["' + "x" * 700_000 + '"], '
        '"output": "dash-rows.data"}'
    )
    response = server.test_client().post(
        "/_dash-update-component", data=raw, content_type="application/json"
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "path",
    ["/artifacts/runs/1/a%00b.png", "/artifacts/runs/1/a.png?download=%00", "/dashboard/%00"],
)
def test_a_nul_in_an_address_is_a_400(
    server: Flask, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = server.test_client().get(path)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert_refused_clearly(response, "control character")
    assert not [r for r in caplog.records if r.exc_info]
