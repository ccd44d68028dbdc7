"""Checks that run in the web tier before Dash queues a background job (nothing reaches the
broker for a refused request)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import jsonify, request

if TYPE_CHECKING:
    from dashapp.web.identity import User

log = logging.getLogger(__name__)
JOB_GUARDS_KEY = "dashapp_job_guards"
# A guard returns None to let the job be queued, or (status, message) to refuse it.
JobGuard = Callable[[dict[str, Any], "User"], "tuple[int, str] | None"]


def guard_job(app: Any, output: str, guard: JobGuard) -> None:
    """Run `guard` on every request that would queue the job behind callback `output`."""
    guards: dict[str, JobGuard] = app.server.extensions.setdefault(JOB_GUARDS_KEY, {})
    guards[output] = guard


def job_refusal(dash_app: Any, output: str, body: dict[str, Any], user: User) -> Any:
    """A JSON refusal when a guarded job may not be queued, else None.

    Dash treats a request with a `cacheKey` argument as a poll of a queued job (its handles are
    signed), so only requests without one can queue work.
    """
    guard = dash_app.server.extensions.get(JOB_GUARDS_KEY, {}).get(output)
    if guard is None or request.args.get("cacheKey"):
        return None
    refused = guard(body, user)
    if refused is None:
        return None
    status, message = refused
    log.info("refused job request for %s (%s)", output, status)
    return jsonify(error=message), status
