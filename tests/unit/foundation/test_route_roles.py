"""Every Flask route and Dash callback declares who may use it; nothing is open by accident."""

from __future__ import annotations

import re

from flask import Flask

from dashapp import create_app
from dashapp.web.callback_guard import role_for_callback
from dashapp.web.identity import Role
from tests.conftest import SettingsFactory

# Routes without a role of their own, and why that is safe. Everything here except the probes
# still needs a signed-in user: the before-request hook answers 401 without identity.
ROUTES_WITHOUT_OWN_ROLE = {
    "health.healthz": "public liveness probe for load balancers",
    "health.readyz": "public readiness probe for load balancers",
    "static": "Flask's static folder (unused; signed-in users only)",
    "_dash_assets.static": "our CSS/JS (signed-in users only)",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": "Dash's JS",
    "/_dash-layout": "the shell; pages inside check their role with page_guard",
    "/_dash-dependencies": "callback graph; each callback checks its own role",
    "/_dash-update-component": "dispatch; the role of each callback output is checked",
    "/_reload-hash": "Dash hot reload (signed-in users only)",
    "/_favicon.ico": "icon",
    "/": "Dash index; pages check their role with page_guard",
    "/<path:path>": "Dash index for page paths; pages check their role with page_guard",
}
PUBLIC = {"health.healthz", "health.readyz"}


def test_every_route_declares_a_role_or_a_reason(app: Flask) -> None:
    undeclared = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "required_role", None) is None and (
            rule.endpoint not in ROUTES_WITHOUT_OWN_ROLE
        ):
            undeclared.append(rule.rule)
    assert undeclared == []


def test_only_the_probes_answer_without_identity(settings_factory: SettingsFactory) -> None:
    server = create_app(settings_factory(env="production"))
    client = server.test_client()
    for rule in server.url_map.iter_rules():
        path = re.sub(r"<int:[^>]+>", "1", rule.rule)
        path = re.sub(r"<[^>]+>", "x", path)
        method = "POST" if "POST" in (rule.methods or set()) else "GET"
        response = client.open(path, method=method, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        if rule.endpoint in PUBLIC:
            assert response.status_code == 200, rule.rule
        else:
            assert response.status_code == 401, (rule.rule, response.status_code)


def test_every_server_callback_of_every_page_declares_a_role(app: Flask) -> None:
    app.test_client().get("/")  # Dash adds its internal callbacks during set-up
    dash_app = app.extensions["dash_app"]
    server_callbacks = [key for key, spec in dash_app.callback_map.items() if "callback" in spec]
    assert len(server_callbacks) > 5  # the pages' callbacks are really registered
    roles = {key: role_for_callback(dash_app, key) for key in server_callbacks}
    assert [key for key, role in roles.items() if role is None] == []
    # One deliberate exception: Dash's pages router answers any signed-in user, so that someone
    # without a role gets the page's "needs the viewer role" notice; every page layout guards
    # itself (tests/unit/foundation/test_error_pages.py shows the notice for each page).
    router = {key for key in roles if key.lstrip(".").startswith("_pages_content")}
    assert len(router) == 1 and all(roles[key] is Role.NONE for key in router)
    others = {key: role for key, role in roles.items() if key not in router}
    assert all(isinstance(role, Role) and role >= Role.VIEWER for role in others.values())
