"""The test helper that builds Dash callback requests from the app's own callback map."""

from __future__ import annotations

import pytest
from flask import Flask

from dashapp.pages.dataview import ids
from dashapp.web.identity import Role
from tests.support.dash_requests import callbacks_of

ROWS = f"{ids.ROWS}.data"


def test_built_request_is_what_the_server_accepts(app: Flask) -> None:
    callbacks = callbacks_of(app)
    client = app.test_client()
    client.get("/")
    request = {"startRow": 0, "endRow": 5, "sortModel": [], "filterModel": {}}
    response = callbacks.post(
        client,
        ROWS,
        {f"{ids.GRID}.getRowsRequest": request},
        {f"{ids.TABLE}.data": "orders", f"{ids.QUICK}.value": ""},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert '"rowData"' in response.get_data(as_text=True)


def test_body_follows_the_declared_order_and_shape(app: Flask) -> None:
    # One output: named alone, as the renderer sends it.
    body = callbacks_of(app).body(ROWS, {f"{ids.GRID}.getRowsRequest": {"startRow": 0}})
    assert body["output"] == ROWS
    assert body["outputs"] == {"id": ids.ROWS, "property": "data"}
    assert body["inputs"][0]["value"] == {"startRow": 0}
    assert [entry["id"] for entry in body["state"][:2]] == [ids.TABLE, ids.QUICK]
    assert body["changedPropIds"] == [f"{ids.GRID}.getRowsRequest"]


def test_body_of_a_callback_with_several_outputs_lists_them_in_order(app: Flask) -> None:
    links = f"{ids.EXPORT_CSV}.href"
    body = callbacks_of(app).body(links, {f"{ids.GRID}.filterModel": {}})
    assert body["output"].startswith("..") and body["output"].endswith("..")
    assert body["outputs"] == [
        {"id": ids.EXPORT_CSV, "property": "href"},
        {"id": ids.XLSX_ARGS, "property": "data"},
    ]
    assert [entry["id"] for entry in body["inputs"][:2]] == [ids.GRID, ids.GRID]
    assert body["inputs"][0]["value"] == {}
    assert body["changedPropIds"] == [f"{ids.GRID}.filterModel"]


def test_a_property_the_callback_does_not_declare_is_an_error(app: Flask) -> None:
    with pytest.raises(KeyError, match="does not declare"):
        callbacks_of(app).body(ROWS, {"no-such-input.value": 1})
    with pytest.raises(KeyError, match="callbacks write"):
        callbacks_of(app).body("no-such-output.children")


def test_role_comes_from_the_server_side_declaration(app: Flask) -> None:
    assert callbacks_of(app).role(ROWS) is Role.VIEWER
