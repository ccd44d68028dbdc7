"""Identity from a trusted single-sign-on proxy, roles, and their enforcement on the server."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, ParamSpec, TypeVar

import dash_bootstrap_components as dbc
from flask import Flask, Request, current_app, g, has_request_context, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import Forbidden, HTTPException

from dashapp import callback_inputs, error_pages
from dashapp.job_guards import job_refusal
from dashapp.request_limits import LARGE_BODY_OUTPUTS, bound_callback_body, json_depth_exceeds
from dashapp.settings import Settings
from dashapp.web.trust import address_is_trusted

P = ParamSpec("P")
R = TypeVar("R")


class Role(IntEnum):
    """Roles in increasing power: each includes every role below it."""

    NONE = 0
    VIEWER = 1
    TRAINER = 2
    ADMIN = 3

    @classmethod
    def parse(cls, name: str) -> Role:
        """The role called `name` (case-insensitive)."""
        return cls[name.upper()]


@dataclass(frozen=True)
class User:
    """The person behind the current request."""

    username: str
    role: Role
    email: str = ""
    display_name: str = ""
    groups: tuple[str, ...] = field(default_factory=tuple)

    def has(self, role: Role) -> bool:
        """True when the user holds `role` or a stronger one."""
        return self.role >= role

    @property
    def label(self) -> str:
        """What the navbar shows."""
        return self.display_name or self.username


def role_for_groups(groups: tuple[str, ...], settings: Settings) -> Role:
    """The strongest role any of the user's groups grants, else the default role."""
    wanted = {group.casefold() for group in groups}

    def grants(configured: list[str]) -> bool:
        return any(name.casefold() in wanted for name in configured)

    if grants(settings.admin_groups):
        return Role.ADMIN
    if grants(settings.trainer_groups):
        return Role.TRAINER
    if grants(settings.viewer_groups):
        return Role.VIEWER
    return Role.parse(settings.default_role)


def peer_is_trusted(req: Request, settings: Settings) -> bool:
    """True when the TCP peer (before ProxyFix rewrote it) is a configured trusted proxy."""
    original = req.environ.get("werkzeug.proxy_fix.orig", {})
    peer = original.get("REMOTE_ADDR") or req.environ.get("REMOTE_ADDR") or ""
    return address_is_trusted(peer, settings.trusted_proxies)


GROUP_SEPARATOR = ","


def parse_groups(raw: str) -> tuple[str, ...]:
    """Group names from the groups header: one separator, `,` (what oauth2-proxy sends).

    Several header lines reach the app already joined with `,` by the WSGI server, so they read
    as one list; the proxy replaces any copy a client sent, which is why only it is trusted.
    """
    return tuple(name.strip() for name in raw.split(GROUP_SEPARATOR) if name.strip())


def proxy_secret_ok(req: Request, settings: Settings) -> bool:
    """True when no proxy secret is configured, or the request carries it (constant time)."""
    if not settings.proxy_secret:
        return True
    sent = req.headers.get(settings.proxy_secret_header, "")
    return hmac.compare_digest(sent.encode(), settings.proxy_secret.encode())


def from_trusted_proxy(req: Request, settings: Settings) -> bool:
    """True when the request came through the sign-on proxy: its headers may be believed."""
    return peer_is_trusted(req, settings) and proxy_secret_ok(req, settings)


def identify(req: Request, settings: Settings) -> User | None:
    """The user named by the proxy's headers, the development user, or None."""
    username = req.headers.get(settings.user_header, "").strip()
    if username and from_trusted_proxy(req, settings):
        groups = parse_groups(req.headers.get(settings.groups_header, ""))
        return User(
            username=username[:200],
            role=role_for_groups(groups, settings),
            email=req.headers.get(settings.email_header, "")[:200],
            display_name=req.headers.get(settings.name_header, "")[:200],
            groups=groups,
        )
    if not settings.is_production:
        return User(
            username=settings.dev_user,
            role=Role.parse(settings.dev_role),
            display_name=f"{settings.dev_user} (development)",
        )
    return None


def current_user() -> User | None:
    """The user of the current request (None outside a request or without identity)."""
    if not has_request_context():
        return None
    user: User | None = g.get("user")
    return user


def require_role(role: Role) -> Callable[[Callable[P, R]], Callable[P, R | ResponseReturnValue]]:
    """Decorate a Flask view: 401 without identity, 403 when the user lacks `role`."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
        @functools.wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
            user = current_user()
            if user is None:
                settings = current_app.extensions["dashapp_settings"]
                page = error_pages.sign_in_required(settings.sign_in_url)
                return error_pages.respond(request, page, api_message="Sign-in required.")
            if not user.has(role):
                needed = role.name.lower()
                return error_pages.respond(
                    request, error_pages.forbidden(needed), f"This needs the {needed} role."
                )
            return view(*args, **kwargs)

        guarded.required_role = role  # type: ignore[attr-defined]
        return guarded

    return decorate


def page_guard(role: Role) -> dbc.Alert | None:
    """None when the user may see a page needing `role`, else an alert explaining why not."""
    user = current_user()
    if user is not None and user.has(role):
        return None
    return dbc.Alert(
        [
            f"This page needs the {role.name.lower()} role. ",
            "Ask an administrator to add you to the right group.",
        ],
        color="warning",
        className="m-4",
        id="page-denied",
    )


# --- Dash callbacks -------------------------------------------------------------------------

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
