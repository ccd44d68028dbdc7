"""Error responses: clear JSON with a 4xx for bad requests, never a traceback to the client."""

from __future__ import annotations

import logging

import redis
from dash.exceptions import DashException, PreventUpdate
from flask import Flask, g, jsonify, request
from flask.typing import ResponseReturnValue
from kombu.exceptions import OperationalError as BrokerUnavailable
from sqlalchemy.exc import OperationalError as DatabaseUnavailable
from werkzeug.exceptions import HTTPException

from dashapp.web import error_pages
from dashapp.web.refusals import Refused
from dashapp.web.user_slots import SlotsBusy

log = logging.getLogger(__name__)


def register_error_handlers(server: Flask) -> None:
    """Turn malformed Dash requests into 400s and unexpected errors into a plain 500."""

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        code = exc.code or 500
        page = {
            403: error_pages.forbidden(None),
            404: error_pages.not_found(),
        }.get(code, error_pages.generic(code, exc.description))
        return error_pages.respond(request, page, api_message=exc.description)

    @server.errorhandler(DashException)
    def _malformed_callback(exc: DashException) -> ResponseReturnValue:
        if isinstance(exc, PreventUpdate):  # Dash handles this itself; never reached normally
            return "", 204
        # Dash raises these while validating a request's inputs/outputs against the callback.
        log.warning("malformed callback request: %s", exc)
        return jsonify(error="Malformed request for this page. Reload the page and try again."), 400

    @server.errorhandler(Refused)
    def _refused(exc: Refused) -> ResponseReturnValue:
        # A service's own refusal (e.g. the grid's unknown table or column): its message is for
        # users, and it is not a bug.
        log.warning("request refused (%s): %s", type(exc).__name__, str(exc)[:200])
        return jsonify(error=str(exc)[:500]), 400

    @server.errorhandler(SlotsBusy)
    def _slots_busy(exc: SlotsBusy) -> ResponseReturnValue:
        # The user's own earlier requests are still running: the page retries after a second.
        log.info("refused at the per-user cap: %s", exc)
        return jsonify(error=str(exc)), 429, {"Retry-After": "1"}

    @server.errorhandler(BrokerUnavailable)
    @server.errorhandler(redis.ConnectionError)
    @server.errorhandler(redis.TimeoutError)
    def _queue_unavailable(exc: Exception) -> ResponseReturnValue:
        log.warning("job queue unavailable: %s", type(exc).__name__)
        return jsonify(error="The job queue is unavailable right now. Try again in a minute."), 503

    @server.errorhandler(DatabaseUnavailable)
    def _database_unavailable(exc: DatabaseUnavailable) -> ResponseReturnValue:
        # str(exc) can hold the connection URL: log the type and the driver's first line only.
        first_line = str(exc.orig).splitlines()[0][:200] if exc.orig else type(exc).__name__
        log.warning("database unavailable: %s", first_line)
        return jsonify(error="The database is unavailable right now. Try again in a minute."), 503

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        log.exception("unhandled error")
        request_id = g.get("request_id", "")
        return error_pages.respond(
            request,
            error_pages.server_error(request.path),
            api_message=f"Something went wrong on our side (request id {request_id}).",
        )
