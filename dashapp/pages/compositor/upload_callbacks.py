"""Uploads: the background and the foregrounds, stored on the server, sent to the editor."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashapp.compositing import library, uploads
from dashapp.compositing.geometry import refit_factor
from dashapp.compositing.images import ImageInputError
from dashapp.pages.compositor import ids
from dashapp.pages.compositor.common import command, owner, text, texts
from dashapp.pages.compositor.widgets import message
from dashapp.settings import current_settings
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role


def _background_size(placement: Any) -> tuple[int, int] | None:
    """The background's size in the editor's state; None when it has no usable background."""
    background = placement.get("background") if isinstance(placement, dict) else None
    if not isinstance(background, dict):
        return None
    try:
        width, height = int(background["width"]), int(background["height"])
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return (width, height) if width > 0 and height > 0 else None


def _layer_count(placement: Any) -> int:
    layers = placement.get("layers") if isinstance(placement, dict) else None
    return len(layers) if isinstance(layers, list) else 0


def _store(names: list[str], contents: list[str], room: int | None) -> tuple[list[Any], list[Any]]:
    """Store one request's files; refused ones become messages naming the file."""
    files = list(zip(names, contents, strict=False))
    try:
        outcome = uploads.store_request(owner(), files, current_settings(), room)
    except ImageInputError as exc:
        return [], [message(str(exc))]
    notes = [message(f"{r.name or 'File'}: {r.reason}") for r in outcome.refused]
    return list(outcome.stored), notes


def _fit_foregrounds(
    stored: list[library.Uploaded], background: tuple[int, int]
) -> tuple[list[dict[str, Any]], list[Any]]:
    """Foregrounds larger than the background start scaled down to fit, with a note."""
    images, notes = [], []
    bw, bh = background
    for upload in stored:
        entry = upload.as_dict()
        if upload.width > bw or upload.height > bh:
            scale = min(bw / upload.width, bh / upload.height)
            entry["scale"] = scale
            notes.append(
                message(
                    f"{upload.name} ({upload.width}×{upload.height}) is larger than the "
                    f"background ({bw}×{bh}); it was scaled to {scale:.0%} to fit.",
                    "warning",
                )
            )
        images.append(entry)
    return images, notes


def _on_background(name: str, contents: str, placement: Any) -> tuple[Any, list[Any]]:
    stored, notes = _store([name], [contents], None)
    if not stored:
        return no_update, notes
    image = stored[0]
    notes.append(message(f"Background {image.name}: {image.width}×{image.height}.", "success"))
    old, count = _background_size(placement), _layer_count(placement)
    if old is not None and count and old != (image.width, image.height):
        factor = refit_factor(old, (image.width, image.height))
        notes.append(
            message(
                f"The {count} layer{'s' if count > 1 else ''} kept their places, scaled to "
                f"{factor:.0%} for the new {image.width}×{image.height} background.",
                "info",
            )
        )
    return command("background", image=image.as_dict()), notes


def _on_foregrounds(
    names: list[str], contents: list[str], placement: Any, chosen: Any
) -> tuple[Any, list[Any]]:
    background = _background_size(placement)
    if background is None:
        return no_update, [message("Upload a background first, then the foregrounds.")]
    room = current_settings().compositor_max_layers - _layer_count(placement)
    ordered = uploads.in_selection_order(list(zip(names, contents, strict=False)), chosen)
    names, contents = [n for n, _c in ordered], [c for _n, c in ordered]
    stored, notes = _store(names, contents, room)
    images, fit_notes = _fit_foregrounds(stored, background)
    if not images:
        return no_update, notes
    return command("add", images=images), notes + fit_notes


def register_upload_callbacks(app: Dash) -> None:
    """Bind the upload (and gallery Open) callback to `app`."""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.COMMAND, "data"),
        Output(ids.MESSAGES, "children"),
        Output(ids.UPLOAD_BG, "contents"),
        Output(ids.UPLOAD_FG, "contents"),
        Output(ids.NAME, "value"),
        Input(ids.UPLOAD_BG, "contents"),
        Input(ids.UPLOAD_FG, "contents"),
        Input(ids.open_id(ALL), "n_clicks"),
        State(ids.UPLOAD_BG, "filename"),
        State(ids.UPLOAD_FG, "filename"),
        State(ids.PLACEMENT, "data"),
        State(ids.UPLOAD_ORDER, "data"),
        prevent_initial_call=True,
    )
    def _on_input(
        bg: str | None,
        fgs: list[str] | None,
        _opens: list[int | None],
        bg_name: str | None,
        fg_names: list[str] | None,
        placement: dict[str, Any] | None,
        chosen: Any,
    ) -> tuple[Any, ...]:
        trigger = ctx.triggered_id
        # Clearing the uploads lets the same file be dropped again (and frees the browser).
        if trigger == ids.UPLOAD_BG and bg:
            cmd, notes = _on_background(text(bg_name), text(bg), placement)
            return cmd, notes, None, no_update, no_update
        if trigger == ids.UPLOAD_FG and fgs:
            cmd, notes = _on_foregrounds(texts(fg_names), texts(fgs), placement, chosen)
            return cmd, notes, no_update, None, no_update
        if isinstance(trigger, dict) and ctx.triggered[0]["value"]:
            try:
                name, state = library.composite_state(owner(), int(trigger["id"]))
            except library.NotFoundError as exc:
                return no_update, [message(str(exc))], no_update, no_update, no_update
            notes = [message(f"Opened {name}.", "success")]
            return command("load", state=state), notes, no_update, no_update, name
        raise PreventUpdate
