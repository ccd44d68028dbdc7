"""Refuse a NUL anywhere in a request's URL: no name we store can hold one."""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

NUL = "\x00"


def install_nul_guard(server: Flask) -> None:
    """400 for a path or query with a NUL, before any route turns it into a query.

    PostgreSQL refuses NULs in text, so an artifact, composite or export name with one was a
    500 from the driver; one check here covers every route, present and future.
    """

    @server.before_request
    def _refuse_nul() -> ResponseReturnValue | None:
        query = request.query_string.decode("latin-1")
        if NUL in request.path or NUL in query or "%00" in query:
            return jsonify(error="The address contains a control character (NUL)."), 400
        return None
