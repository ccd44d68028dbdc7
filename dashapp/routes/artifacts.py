"""Run artifacts over HTTP: authenticated, with ETag and Cache-Control, inline or as download.

Images for any viewer (they are part of watching a run); other files for the run's owner or
an admin (checked in `runs.artifact`).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from dashapp.routes.downloads import content_disposition
from dashapp.training.runs import RunError, artifact
from dashapp.web.download_names import file_stem
from dashapp.web.identity import Role, current_user, require_role

bp = Blueprint("artifacts", __name__)

# Artifacts never change once written (a re-run is a new run id), so browsers may keep them;
# `private` because they sit behind sign-in.
CACHE_CONTROL = "private, max-age=86400, immutable"


def artifact_url(run_id: int, name: str, download: bool = False) -> str:
    """Where the page finds an artifact."""
    return f"/artifacts/runs/{run_id}/{name}" + ("?download=1" if download else "")


@bp.get("/artifacts/runs/<int:run_id>/<name>")
@require_role(Role.VIEWER)
def get_artifact(run_id: int, name: str) -> ResponseReturnValue:
    """The artifact's bytes; 304 when the browser already has this version."""
    try:
        found = artifact(current_user(), run_id, name)
    except RunError as exc:
        return jsonify(error=str(exc)), exc.status_code
    etag = found.sha256
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(found.data, mimetype=found.content_type)
        # The artifact's name is the recipe's: made safe like every other download name.
        filename = file_stem(f"run-{run_id}-{name}", f"run-{run_id}-artifact")
        response.headers["Content-Disposition"] = content_disposition(
            filename, inline=not request.args.get("download"), default=f"run-{run_id}-artifact"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
