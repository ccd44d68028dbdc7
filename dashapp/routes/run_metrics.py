"""A run's metrics as a CSV download: viewer role, and the run's owner or an admin."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from dashapp.routes.downloads import send_download
from dashapp.training.run_manage import metrics_csv
from dashapp.training.runs import RunError
from dashapp.web.identity import Role, current_user, require_role

bp = Blueprint("run_metrics", __name__)


def metrics_csv_url(run_id: int) -> str:
    """Where the page links a run's metrics download."""
    return f"/training/runs/{run_id}/metrics.csv"


@bp.get("/training/runs/<int:run_id>/metrics.csv")
@require_role(Role.VIEWER)
def get_metrics_csv(run_id: int) -> ResponseReturnValue:
    """Every logged point of the run, one row per step."""
    try:
        text = metrics_csv(current_user(), run_id)
    except RunError as exc:
        return jsonify(error=str(exc)), exc.status_code
    response = send_download(text.encode("utf-8"), f"run-{run_id}-metrics.csv", "text/csv")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
