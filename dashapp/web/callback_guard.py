"""The callback firewall: every Dash callback declares the role it needs, and every callback
request is bounded, parsed once, matched to its declaration and checked before Dash runs it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, g, has_request_context, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import Forbidden, HTTPException

from dashapp.settings import Settings
from dashapp.web import callback_inputs, error_pages
from dashapp.web.identity import Role, current_user, identify
from dashapp.web.job_guards import job_refusal
from dashapp.web.request_limits import LARGE_BODY_OUTPUTS, bound_callback_body, json_depth_exceeds

CALLBACK_ROLES_KEY = "dashapp_callback_roles"
CALLBACK_TYPES_KEY = "dashapp_callback_types"
# Dash registers these itself (the pages router); any signed-in user may use them.
DASH_INTERNAL_PREFIXES = ("_pages",)
# A refused callback request from our own pages means the page is stale or was tampered with.
RELOAD_HINT = "Reload the page and try again."


def _callback_roles(app: Any) -> dict[str, Role]:
    roles: dict[str, Role] = app.server.extensions.setdefault(CALLBACK_ROLES_KEY, {})
    return roles


def secured_callback(app: Any, role: Role, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
    """`app.callback(*args, **kwargs)` that records and enforces the role its outputs need."""
    # Dash inserts the callback_map entry when app.callback() is called, before decoration.
    before = set(app.callback_map)
    register = app.callback(*args, **kwargs)
    added = set(app.callback_map) - before
    cancel = kwargs.get("cancel") or []
    cancel_ids = [c.component_id for c in (cancel if isinstance(cancel, list) else [cancel])]

    def decorate(func: Callable[..., Any]) -> Any:
        @functools.wraps(func)
        def checked(*call_args: Any, **call_kwargs: Any) -> Any:
            # Background jobs run outside a request; the web tier checked before queueing them.
            if has_request_context():
                user = current_user()
                if user is None or not user.has(role):
                    raise Forbidden(f"This action needs the {role.name.lower()} role.")
            return func(*call_args, **call_kwargs)

        result = register(checked)
        roles = _callback_roles(app)
        declared = callback_inputs.declared_types(func, has_progress=bool(kwargs.get("progress")))
        types: dict[str, callback_inputs.Declared] = app.server.extensions.setdefault(
            CALLBACK_TYPES_KEY, {}
        )
        for key in added | (set(app.callback_map) - before):
            roles[key] = role
            types[key] = declared
        # Dash adds a cancel callback per cancel input at first request: same role as the job.
        for component_id in cancel_ids:
            roles[f"{component_id}.id"] = role
        return result

    return decorate


def role_for_callback(app: Any, output: str) -> Role | None:
    """The role a callback output needs; None means undeclared (refused)."""
    declared = _callback_roles(app).get(output)
    if declared is not None:
        return declared
    internal = (
        app.callback_map.get(output)
        if output.lstrip(".").startswith(DASH_INTERNAL_PREFIXES)
        else None
    )
    # Only the router's server callbacks: a clientside one (`_pages_dummy`) has no function.
    if internal is not None and "callback" in internal:
        # The pages router: any signed-in user may ask for a page, so that someone without a
        # role sees the page's own "needs the viewer role" notice instead of an empty shell.
        # Every page layout checks its role itself (page_guard).
        return Role.NONE
    return None


def callback_body_matches(spec: dict[str, Any], body: dict[str, Any]) -> bool:
    """True when a dispatch body's inputs and state fit the callback's declared dependencies."""
    for field_name in ("inputs", "state"):
        sent = body.get(field_name, [])
        declared = spec.get(field_name, [])
        if not isinstance(sent, list) or len(sent) != len(declared):
            return False
        for item, dep in zip(sent, declared, strict=True):
            entries = item if isinstance(item, list) else [item]
            for entry in entries:
                if not isinstance(entry, dict) or entry.get("property") != dep.get("property"):
                    return False
                declared_id = dep.get("id")
                # Pattern-matching ids are stored as JSON text ('{"type":...}') but sent as
                # objects; their wildcards are Dash's to resolve, so only plain ids are compared.
                plain = isinstance(declared_id, str) and not declared_id.startswith("{")
                if plain and entry.get("id") != declared_id:
                    return False
    return True


def _too_large(settings: Settings) -> ResponseReturnValue:
    """413 for a callback body over the limit, naming the limit."""
    kb = settings.max_callback_body_kb
    message = f"This request is too large: an action may send at most {kb:,} KB."
    return jsonify(error=message + " Only an image upload may send more."), 413


def install_request_auth(server: Flask, dash_app: Any, settings: Settings) -> None:
    """Identify every request; 401 without identity in production; check Dash callback roles."""
    open_paths = ("/healthz", "/readyz")

    @server.before_request
    def _authenticate() -> ResponseReturnValue | None:
        g.user = identify(request, settings)
        if request.path in open_paths:
            return None
        if g.user is None:
            return error_pages.respond(
                request,
                error_pages.sign_in_required(settings.sign_in_url),
                api_message="Sign-in required: no identity from the sign-on proxy.",
            )
        if request.path.endswith("/_dash-update-component") and request.method == "POST":
            body_limit = settings.max_callback_body_kb * 1024
            if not bound_callback_body(request, body_limit):
                server.logger.warning("refused large callback body")
                return _too_large(settings)
            try:
                # Not silent: Dash reads the same cached parse instead of parsing a second time.
                body = request.get_json()
            except HTTPException as exc:
                if exc.code == 413:  # a chunked body ran past the limit while being read
                    return _too_large(settings)
                body = None
            except RecursionError:
                body = None  # nested past the parser's recursion limit
            if body is None or json_depth_exceeds(body, settings.max_json_depth):
                return jsonify(
                    error="Malformed callback request (not JSON, or nested too deeply)."
                ), 400
            output = body.get("output") if isinstance(body, dict) else None
            if not isinstance(output, str):
                return jsonify(error=f"Malformed callback request. {RELOAD_HINT}"), 400
            # The first bytes named the upload callback; the parsed body must agree (a repeated
            # "output" key must not carry a large body to another callback).
            if output not in LARGE_BODY_OUTPUTS and len(request.get_data()) > body_limit:
                return _too_large(settings)
            needed = role_for_callback(dash_app, output)
            if needed is None:
                server.logger.warning("refused undeclared callback", extra={"output": output})
                return jsonify(error="Unknown action."), 403
            if not g.user.has(needed):
                server.logger.info("refused callback for role", extra={"output": output})
                return jsonify(error=f"This action needs the {needed.name.lower()} role."), 403
            spec = dash_app.callback_map.get(output)
            if spec is not None and not callback_body_matches(spec, body):
                return jsonify(error="Malformed request for this page. Reload and try again."), 400
            if spec is not None:
                declared = server.extensions.get(CALLBACK_TYPES_KEY, {}).get(output, [])
                reason = callback_inputs.refusal(spec, body, declared)
                if reason is not None:
                    # Not a bug of ours: the page cannot send this. No traceback, one line.
                    server.logger.warning("refused callback input: %s", reason)
                    return jsonify(error=f"Malformed request: {reason}. {RELOAD_HINT}"), 400
            refusal = job_refusal(dash_app, output, body, g.user)
            if refusal is not None:
                return refusal
        return None
