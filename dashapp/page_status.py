"""HTTP status for page loads: 404 for addresses no page serves, 503 while the schema is behind."""

from __future__ import annotations

from typing import Any

import dash
from flask import Flask, g, make_response, request
from flask.typing import ResponseReturnValue

from dashapp.extensions import db
from dashapp.schema_state import SchemaGate
from dashapp.settings import Settings
from dashapp.web import error_pages

SCHEMA_GATE_KEY = "dashapp_schema_gate"
# Probes must answer whatever the schema's state: readiness reports it itself.
UNGATED_PATHS = ("/healthz", "/readyz")


def page_paths(dash_app: Any) -> set[str]:
    """The paths of the registered pages, as the browser asks for them."""
    paths = {dash_app.get_relative_path(page["path"]) for page in dash.page_registry.values()}
    return {path.rstrip("/") or "/" for path in paths}


def _is_dash_page_route(dash_app: Any) -> bool:
    """True when this request fell through to Dash's catch-all index route."""
    rule = request.url_rule
    prefix = dash_app.config.routes_pathname_prefix
    return rule is not None and rule.rule in {prefix, prefix + "<path:path>"}


def page_roles(dash_app: Any) -> dict[str, Any]:
    """{path: role} for pages registered with a `role` (the admin page)."""
    return {
        dash_app.get_relative_path(page["path"]).rstrip("/") or "/": page["role"]
        for page in dash.page_registry.values()
        if page.get("role") is not None
    }


def install_page_status(server: Flask, dash_app: Any, settings: Settings) -> None:
    """Answer unknown page paths with 404 (the shell still renders its not-found page), and a
    page that needs a role the user lacks with the 403 page."""
    known: set[str] = set()
    roles: dict[str, Any] = {}

    @server.before_request
    def _page_needs_role() -> ResponseReturnValue | None:
        if request.method != "GET" or not _is_dash_page_route(dash_app):
            return None
        if not roles:
            roles.update(page_roles(dash_app) or {"": None})
        needed = roles.get(request.path.rstrip("/") or "/")
        user = g.get("user")
        if needed is None or user is None or user.has(needed):
            return None  # no identity: the sign-in answer came before this
        role = needed.name.lower()
        return error_pages.respond(
            request, error_pages.forbidden(role), f"This page needs the {role} role."
        )

    @server.after_request
    def _unknown_page_is_404(response: Any) -> Any:
        if request.method != "GET" or response.status_code != 200:
            return response
        if not _is_dash_page_route(dash_app):
            return response
        if not known:
            known.update(page_paths(dash_app))
        if (request.path.rstrip("/") or "/") not in known:
            response.status_code = 404
        return response


def schema_gate(server: Flask) -> SchemaGate | None:
    """The app's schema gate; None where the app upgrades its own (embedded) database."""
    gate: SchemaGate | None = server.extensions.get(SCHEMA_GATE_KEY)
    return gate


def install_schema_gate(server: Flask) -> None:
    """Refuse to serve (503, naming the missing migrations) until the shared schema is at head."""
    gate = SchemaGate()
    server.extensions[SCHEMA_GATE_KEY] = gate

    @server.before_request
    def _schema_must_be_current() -> ResponseReturnValue | None:
        if request.path in UNGATED_PATHS:
            return None
        status = gate.status(db.engine)
        if status.at_head:
            return None
        server.logger.error("refusing requests: %s", status.describe())
        page = error_pages.schema_not_ready(status.describe())
        response = error_pages.respond(
            request, page, api_message="dashapp is being upgraded; try again in a few minutes."
        )
        response.headers["Retry-After"] = "30"
        return make_response(response)
