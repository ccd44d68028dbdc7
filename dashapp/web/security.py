"""HTTP security headers (flask-talisman): CSP that Dash and our assets work under, and friends."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_talisman import Talisman

from dashapp.settings import Settings


def content_security_policy(dash_app: Any) -> dict[str, str | list[str]]:
    """Same-origin everything; Dash's inline bootstrap script allowed by its hash.

    React and Plotly set inline styles, so styles need 'unsafe-inline'; scripts do not.
    """
    return {
        "default-src": "'self'",
        "script-src": ["'self'", *dash_app.csp_hashes()],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": "'self'",
        "worker-src": ["'self'", "blob:"],
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def install_security_headers(server: Flask, dash_app: Any, settings: Settings) -> None:
    """Add CSP, nosniff, frame and referrer policies; secure cookies in production.

    HTTPS is the reverse proxy's job (it terminates TLS), so no redirect happens here.
    """
    talisman = Talisman(
        server,
        force_https=False,
        strict_transport_security=settings.is_production,
        frame_options="DENY",
        content_security_policy=content_security_policy(dash_app),
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=settings.is_production,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        x_content_type_options=True,
    )
    hashed = {"done": False}

    @server.before_request
    def _hash_inline_scripts_once() -> None:
        # Dash adds some inline scripts (the pages title updater) in its own first-request
        # set-up, which runs before this hook: hash them all once that has happened.
        if not hashed["done"]:
            talisman.content_security_policy["script-src"] = ["'self'", *dash_app.csp_hashes()]
            hashed["done"] = True
