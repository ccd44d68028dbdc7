"""Flask blueprints served beside the Dash app."""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    """Every blueprint the app registers (each view declares its role with require_role)."""
    from dashapp.routes import artifacts, compositor, exports, health, run_metrics

    return [health.bp, artifacts.bp, exports.bp, compositor.bp, run_metrics.bp]
