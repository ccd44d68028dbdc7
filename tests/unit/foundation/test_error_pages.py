"""Pages that explain themselves: 404, 401, 403 and 500 as HTML for people, JSON for programs."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from dashapp import create_app
from tests.conftest import SettingsFactory

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
API = {"Accept": "application/json"}
PROXY = {"REMOTE_ADDR": "127.0.0.1"}


def production(settings_factory: SettingsFactory, **overrides: Any) -> Flask:
    values: dict[str, Any] = {
        "env": "production",
        "trusted_proxies": ["127.0.0.1/32"],
        "default_role": "none",
    }
    values.update(overrides)
    return create_app(settings_factory(**values))


def identity(user: str = "ann", groups: str = "") -> dict[str, str]:
    return {"X-Forwarded-User": user, "X-Forwarded-Groups": groups}


@pytest.mark.parametrize("path", ["/no-such-page", "/training/extra", "/dashboard"])
def test_unknown_path_is_a_404_that_still_renders_the_shell(client: Any, path: str) -> None:
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    # Dash's page: the shell loads and routes the address to the not-found page.
    assert 'id="react-entry-point"' in body
    assert '<html lang="en">' in body


@pytest.mark.parametrize("path", ["/", "/training", "/compositor", "/training?run=1"])
def test_known_pages_answer_200(client: Any, path: str) -> None:
    assert client.get(path, headers=BROWSER).status_code == 200


def test_not_found_page_is_not_in_the_navigation(client: Any) -> None:
    import dash

    modules = [page["module"] for page in dash.page_registry.values() if page.get("nav", True)]
    assert "dashapp.pages.not_found_404" not in modules
    assert "dashapp.pages.not_found_404" in dash.page_registry


def test_not_signed_in_browser_gets_a_page_that_says_how_to_sign_in(
    settings_factory: SettingsFactory,
) -> None:
    server = production(settings_factory, sign_in_url="https://sso.example.com/oauth2/sign_in")
    response = server.test_client().get("/", headers=BROWSER, environ_base=PROXY)
    assert response.status_code == 401
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Please sign in" in body
    assert 'href="https://sso.example.com/oauth2/sign_in"' in body
    assert response.headers["X-Request-ID"] in body


def test_not_signed_in_without_a_sign_in_url_explains_where_to_go(
    settings_factory: SettingsFactory,
) -> None:
    server = production(settings_factory)
    body = server.test_client().get("/", headers=BROWSER, environ_base=PROXY).get_data(True)
    assert "sign-on address" in body


@pytest.mark.parametrize("path", ["/", "/_dash-layout", "/artifacts/runs/1/curves.png"])
def test_not_signed_in_api_client_gets_json(settings_factory: SettingsFactory, path: str) -> None:
    server = production(settings_factory)
    response = server.test_client().get(path, headers=API, environ_base=PROXY)
    assert response.status_code == 401
    assert response.is_json
    assert "Sign-in required" in response.get_json()["error"]


def test_dash_callbacks_get_json_whatever_they_accept(settings_factory: SettingsFactory) -> None:
    server = production(settings_factory)
    response = server.test_client().post(
        "/_dash-update-component", json={}, headers=BROWSER, environ_base=PROXY
    )
    assert response.status_code == 401
    assert response.is_json


def test_forbidden_browser_gets_a_page_naming_the_role(settings_factory: SettingsFactory) -> None:
    server = production(settings_factory)
    client = server.test_client()
    response = client.get(
        "/artifacts/runs/1/curves.png", headers={**BROWSER, **identity()}, environ_base=PROXY
    )
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "You don&#39;t have access" in body or "You don't have access" in body
    assert "viewer role" in body
    api = client.get(
        "/artifacts/runs/1/curves.png", headers={**API, **identity()}, environ_base=PROXY
    )
    assert api.status_code == 403
    assert api.get_json() == {"error": "This needs the viewer role."}


def test_server_error_page_shows_the_request_id(app: Flask) -> None:
    @app.get("/__test_raises")
    def _raises() -> str:
        raise RuntimeError("boom: internal detail")

    client = app.test_client()
    response = client.get("/__test_raises", headers={**BROWSER, "X-Request-ID": "req-1234"})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body
    assert "req-1234" in body
    assert "internal detail" not in body and "Traceback" not in body
    api = client.get("/__test_raises", headers={**API, "X-Request-ID": "req-5678"})
    assert api.status_code == 500
    assert "req-5678" in api.get_json()["error"]


def test_error_pages_escape_what_they_echo(app: Flask) -> None:
    response = app.test_client().get(
        "/artifacts/runs/999999/x.png",
        headers={**BROWSER, "X-Request-ID": "<script>alert(1)</script>"},
    )
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body


@pytest.mark.parametrize("path", ["/", "/training", "/compositor"])
def test_signed_in_user_without_a_role_sees_which_role_a_page_needs(
    settings_factory: SettingsFactory, path: str
) -> None:
    from tests.support.dash_requests import callbacks_of

    server = production(settings_factory)
    client = server.test_client()
    headers, proxy = identity("casey"), PROXY
    client.get("/", headers={**BROWSER, **headers}, environ_base=proxy)  # Dash's set-up
    router = callbacks_of(server)
    response = router.post(
        client,
        "_pages_content.children",
        {"_pages_location.pathname": path, "_pages_location.search": ""},
        headers=headers,
        environ_base=proxy,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert "page-denied" in text and "needs the viewer role" in text
