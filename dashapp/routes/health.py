"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging
import time

import redis
from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from dashapp.extensions import db
from dashapp.page_status import schema_gate
from dashapp.settings import current_settings

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is alive and serving (no dependency checks)."""
    return jsonify(status="ok")


def _check_database() -> str | None:
    try:
        db.session.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        db.session.rollback()
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"


def _check_redis(url: str) -> str | None:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
        return None
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {str(exc)[:200]}"


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Ready when the database (and Redis, when configured) answer; 503 otherwise.

    Anyone may call it, so clients get only ok/failed per check; hosts, ports and driver
    errors go to the log.
    """
    started = time.perf_counter()
    problems = {"database": _check_database()}
    missing: list[str] = []
    gate = schema_gate(current_app)
    if gate is not None and problems["database"] is None:
        status = gate.status(db.engine)
        problems["schema"] = None if status.at_head else status.describe()
        missing = list(status.missing or status.unknown)
    settings = current_settings()
    if settings.redis_url:
        problems["redis"] = _check_redis(settings.redis_url)
    for name, problem in problems.items():
        if problem is not None:
            log.warning("readiness check %s failed: %s", name, problem)
    ready = all(problem is None for problem in problems.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: "ok" if p is None else "failed" for name, p in problems.items()},
        # Migration ids are no secret, and they tell the operator what `init-db` will apply.
        **({"missing_migrations": missing} if missing else {}),
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return jsonify(body), 200 if ready else 503
