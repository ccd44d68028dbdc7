"""One JSON line per log event, tagged with the request id and user."""

from __future__ import annotations

import logging
import sys
import uuid

from flask import Flask, g, has_request_context, request
from flask.typing import ResponseReturnValue
from pythonjsonlogger.json import JsonFormatter

from dashapp.settings import Settings
from dashapp.web.identity import from_trusted_proxy

REQUEST_ID_HEADER = "X-Request-ID"


class RequestContextFilter(logging.Filter):
    """Adds `request_id`, `user` and `path` to records logged while serving a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            user = g.get("user")
            record.user = user.username if user is not None else "-"
            record.path = request.path
        return True


def configure_logging(settings: Settings) -> None:
    """Send the root logger to stderr, as JSON lines unless turned off."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.logs_as_json:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "asctime": "time"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    # Replace our own earlier handler (tests build many apps) but leave others' alone.
    for old in [h for h in root.handlers if getattr(h, "dashapp", False)]:
        root.removeHandler(old)
    handler.dashapp = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())


def install_request_ids(server: Flask, settings: Settings) -> None:
    """Take the proxy's request id (or make one) and echo it on the response."""

    @server.before_request
    def _assign_request_id() -> None:
        # Only the sign-on proxy's id: a client's own would let anyone forge or blur the trail
        # of log lines that an incident is traced by (docs/security.md).
        trusted = from_trusted_proxy(request, settings)
        incoming = request.headers.get(REQUEST_ID_HEADER, "") if trusted else ""
        valid = incoming if 0 < len(incoming) <= 128 and incoming.isprintable() else ""
        g.request_id = valid or uuid.uuid4().hex

    @server.after_request
    def _echo_request_id(response: ResponseReturnValue) -> ResponseReturnValue:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")  # type: ignore[union-attr]
        return response
