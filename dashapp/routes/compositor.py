"""Compositor files over HTTP: upload previews, gallery thumbnails and downloads (owner only)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from dashapp.compositing import library, renders
from dashapp.compositing.geometry import PlacementError
from dashapp.compositing.images import ImageInputError
from dashapp.routes.downloads import send_download
from dashapp.settings import current_settings
from dashapp.web.download_names import file_name
from dashapp.web.identity import Role, current_user, require_role

bp = Blueprint("compositor", __name__, url_prefix="/compositor")

# An upload's preview never changes (a new upload is a new id); private: behind sign-in.
IMMUTABLE = "private, max-age=86400, immutable"


def _owner() -> str:
    user = current_user()
    assert user is not None  # require_role answered 401 otherwise
    return user.username


def _png(data: bytes, cache_control: str) -> Response:
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = cache_control
    return response


@bp.get("/images/<int:image_id>/preview")
@require_role(Role.VIEWER)
def image_preview(image_id: int) -> ResponseReturnValue:
    """The downscaled preview of one of the user's uploads."""
    try:
        return _png(library.image_preview(_owner(), image_id), IMMUTABLE)
    except library.NotFoundError as exc:
        return jsonify(error=str(exc)), 404


@bp.get("/composites/<int:composite_id>/thumbnail")
@require_role(Role.VIEWER)
def composite_thumbnail(composite_id: int) -> ResponseReturnValue:
    """A saved composite's thumbnail (it changes when re-saved: no long caching)."""
    try:
        return _png(library.composite_thumbnail(_owner(), composite_id), "private, no-cache")
    except library.NotFoundError as exc:
        return jsonify(error=str(exc)), 404


# Sent by the page's own script only: a custom header makes a cross-site form or beacon unable
# to send it without a CORS preflight this server never grants.
CANCEL_HEADER = "X-Dashapp-Cancel"


@bp.post("/renders/<int:render_id>/cancel")
@require_role(Role.VIEWER)
def render_cancel(render_id: int) -> ResponseReturnValue:
    """Cancel the user's own queued or running render (the page sends it when it is left)."""
    if request.headers.get(CANCEL_HEADER) != "1":
        return jsonify(error=f"Send the {CANCEL_HEADER}: 1 header."), 400
    return jsonify(cancelled=renders.cancel_render(_owner(), render_id))


@bp.get("/renders/<int:render_id>/download")
@require_role(Role.VIEWER)
def render_download(render_id: int) -> ResponseReturnValue:
    """A finished full-size render (made by a background job) of the user's own."""
    try:
        filename, mimetype, data = renders.result(_owner(), render_id)
    except library.NotFoundError as exc:
        return jsonify(error=str(exc)), 404
    response = send_download(data, filename, mimetype, default="composite")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/composites/<int:composite_id>/download")
@require_role(Role.VIEWER)
def composite_download(composite_id: int) -> ResponseReturnValue:
    """A saved composite rendered at full resolution as ?format=png|jpeg|webp&quality=1..100."""
    fmt = request.args.get("format", "png")
    quality = request.args.get("quality", 90, type=int) or 90
    try:
        name, encoded = library.export_saved(
            _owner(), composite_id, fmt, quality, current_settings()
        )
    except library.NotFoundError as exc:
        return jsonify(error=str(exc)), 404
    except library.NeedsRenderJob as exc:
        return jsonify(error=str(exc)), 409
    except (PlacementError, ImageInputError) as exc:
        return jsonify(error=str(exc)), 400
    filename = file_name(name, encoded.extension, "composite")
    response = send_download(encoded.data, filename, encoded.mimetype, default="composite")
    response.headers["Cache-Control"] = "private, no-store"
    return response
