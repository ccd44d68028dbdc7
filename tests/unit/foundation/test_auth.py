"""Identity from the proxy, roles, and server-side enforcement for routes and callbacks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dash import Input, Output, html
from flask import Flask

from dashapp import create_app
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role
from tests.conftest import SettingsFactory
from tests.support.dash_requests import callbacks_of

PROXY = {"REMOTE_ADDR": "127.0.0.1"}
STRANGER = {"REMOTE_ADDR": "10.9.8.7"}


def identity(user: str, groups: str = "") -> dict[str, str]:
    return {
        "X-Forwarded-User": user,
        "X-Forwarded-Groups": groups,
        "X-Forwarded-Email": f"{user}@corp.example",
    }


@pytest.fixture
def prod_app(settings_factory: SettingsFactory) -> Flask:
    return create_app(
        settings_factory(env="production", admin_groups=["admins"], trainer_groups=["ml"])
    )


def add_trainer_only_callback(server: Flask) -> str:
    """A trainer-only callback like the training page's launch button."""
    dash_app = server.extensions["dash_app"]

    @secured_callback(
        dash_app,
        Role.TRAINER,
        Output("t-out", "children"),
        Input("t-btn", "n_clicks"),
        prevent_initial_call=True,
    )
    def _launch(n: int | None) -> str:
        return f"launched {n}"

    dash_app.validation_layout = html.Div([html.Button(id="t-btn"), html.Div(id="t-out")])
    return "t-out.children"


def undeclared_callback_body(output: str) -> dict[str, Any]:
    """A request for a callback the app never registered (so no helper can build it)."""
    return {
        "output": output,
        "outputs": {"id": "t-out", "property": "children"},
        "inputs": [{"id": "t-btn", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["t-btn.n_clicks"],
        "state": [],
    }


def test_production_request_without_identity_is_401(prod_app: Flask) -> None:
    response = prod_app.test_client().get("/", environ_base=PROXY)
    assert response.status_code == 401
    assert "Sign-in required" in response.get_json()["error"]


def test_identity_headers_from_an_untrusted_address_are_ignored(prod_app: Flask) -> None:
    response = prod_app.test_client().get(
        "/", headers=identity("mallory", "admins"), environ_base=STRANGER
    )
    assert response.status_code == 401


def test_trusted_proxy_identity_is_shown_with_its_role(prod_app: Flask) -> None:
    client = prod_app.test_client()
    layout = client.get("/_dash-layout", headers=identity("alice", "ml"), environ_base=PROXY)
    assert layout.status_code == 200
    text = json.dumps(layout.get_json())
    assert "alice" in text and "trainer" in text


@pytest.mark.parametrize(
    ("groups", "expected"),
    [("admins", Role.ADMIN), ("ml", Role.TRAINER), ("ML,other", Role.TRAINER), ("", Role.VIEWER)],
)
def test_groups_map_to_the_strongest_role(prod_app: Flask, groups: str, expected: Role) -> None:
    from dashapp.web.identity import identify

    with prod_app.test_request_context("/", headers=identity("u", groups), environ_base=PROXY):
        from flask import request

        user = identify(request, prod_app.extensions["dashapp_settings"])
    assert user is not None and user.role is expected


def test_viewer_raw_post_to_trainer_callback_is_403(prod_app: Flask) -> None:
    output = add_trainer_only_callback(prod_app)
    callbacks = callbacks_of(prod_app)
    assert callbacks.role(output) is Role.TRAINER
    client = prod_app.test_client()
    client.get("/", headers=identity("vera"), environ_base=PROXY)  # lets Dash finish set-up
    click = {"t-btn.n_clicks": 1}
    refused = callbacks.post(client, output, click, headers=identity("vera"), environ_base=PROXY)
    assert refused.status_code == 403
    assert "trainer" in refused.get_json()["error"]
    allowed = callbacks.post(
        client, output, click, headers=identity("tom", "ml"), environ_base=PROXY
    )
    assert allowed.status_code == 200
    assert "launched 1" in allowed.get_data(as_text=True)


def test_callback_without_declared_role_is_refused(prod_app: Flask) -> None:
    response = prod_app.test_client().post(
        "/_dash-update-component",
        json=undeclared_callback_body("nobody-declared.children"),
        headers=identity("root", "admins"),
        environ_base=PROXY,
    )
    assert response.status_code == 403


def test_development_user_has_the_configured_role(settings_factory: SettingsFactory) -> None:
    server = create_app(settings_factory(dev_role="viewer"))
    text = json.dumps(server.test_client().get("/_dash-layout").get_json())
    assert "viewer" in text and "development" in text


def test_malformed_callback_request_is_400_not_500(client: Any) -> None:
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}],
        "inputs": [],
        "changedPropIds": [],
    }
    client.get("/")
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_request_id_is_taken_from_the_proxy_or_made(client: Any) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_security_headers_on_pages_and_api(client: Any) -> None:
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "'unsafe-eval'" not in csp
    assert "script-src 'self' 'sha256-" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert client.get("/healthz").headers["X-Content-Type-Options"] == "nosniff"


def test_oversized_request_body_is_refused_with_413(settings_factory: SettingsFactory) -> None:
    server = create_app(settings_factory(max_request_mb=1))
    client = server.test_client()
    client.get("/")
    response = client.post(
        "/_dash-update-component", data=b"x" * (1024 * 1024 + 1), content_type="application/json"
    )
    assert response.status_code == 413
    assert "Traceback" not in response.get_data(as_text=True)


def test_pattern_matching_callbacks_pass_the_shape_check(app: Flask) -> None:
    from dash import ALL

    dash_app = app.extensions["dash_app"]

    @secured_callback(
        dash_app,
        Role.VIEWER,
        Output("pm-out", "children"),
        Input({"type": "pm-item", "index": ALL}, "value"),
        prevent_initial_call=True,
    )
    def _joined(values: list[str]) -> str:
        return "|".join(values)

    client = app.test_client()
    client.get("/")
    body = {
        "output": "pm-out.children",
        "outputs": {"id": "pm-out", "property": "children"},
        "inputs": [
            [
                {"id": {"type": "pm-item", "index": i}, "property": "value", "value": f"v{i}"}
                for i in range(2)
            ]
        ],
        "changedPropIds": ['{"index":0,"type":"pm-item"}.value'],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "v0|v1" in response.get_data(as_text=True)
