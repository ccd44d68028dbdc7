"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import time

import redis
from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from dashapp.extensions import db
from dashapp.page_status import schema_gate
from dashapp.settings import current_settings

bp = Blueprint("health", __name__)


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
    finally:
        db.session.remove()


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
    """Ready when the database (and Redis, when configured) answer; 503 otherwise."""
    started = time.perf_counter()
    checks: dict[str, str] = {}
    problem = _check_database()
    checks["database"] = problem or "ok"
    gate = schema_gate(current_app)
    if gate is not None and problem is None:
        status = gate.status(db.engine)
        # The missing revision ids are no secret and tell the operator what to run.
        checks["schema"] = "ok" if status.at_head else f"failed: {status.describe()}"
        problem = None if status.at_head else status.describe()
    settings = current_settings()
    if settings.redis_url:
        redis_problem = _check_redis(settings.redis_url)
        checks["redis"] = redis_problem or "ok"
        problem = problem or redis_problem
    body = {
        "status": "ok" if problem is None else "unavailable",
        "checks": checks,
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return jsonify(body), 200 if problem is None else 503
