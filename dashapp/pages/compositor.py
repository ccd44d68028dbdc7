"""Compositor page: place foregrounds on a background in the browser, export at full size."""

from __future__ import annotations

import uuid
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashapp.auth import Role, current_user, page_guard, secured_callback
from dashapp.pages.compositor_widgets import (
    export_panel,
    gallery,
    message,
    save_panel,
    upload_panel,
)
from dashapp.services.compositing import library
from dashapp.services.compositing.geometry import PlacementError
from dashapp.services.compositing.images import ImageInputError
from dashapp.settings import current_settings

dash.register_page(
    __name__, path="/compositor", name="Compositor", order=2, title="Compositor · dashapp"
)


def _owner() -> str:
    user = current_user()
    if user is None:  # secured_callback refuses before this; keep mypy and readers sure
        raise PreventUpdate
    return user.username


def layout(**_query: str) -> object:
    """The page, or an explanation when the user lacks the role."""
    denied = page_guard(Role.VIEWER)
    if denied is not None:
        return denied
    return html.Div(
        [
            html.H1("Compositor", className="h3 mb-3"),
            dbc.Row(
                [
                    dbc.Col([upload_panel(), export_panel(), save_panel()], lg=3),
                    dbc.Col(html.Div(id="comp-editor"), lg=9, className="mb-3"),
                ]
            ),
            html.H2("Gallery", className="h5 mt-2"),
            html.Div(gallery(library.list_composites(_owner())), id="comp-gallery"),
            # Server -> editor commands; the editor writes its placement back (kept for the
            # browser session so a reload does not lose the work).
            dcc.Store(id="comp-command"),
            dcc.Store(id="comp-placement", storage_type="session"),
            dcc.Store(id="comp-applied"),
            dcc.Store(id="comp-gallery-version", data=0),
        ],
        id="page-compositor",
    )


def _command(op: str, **payload: Any) -> dict[str, Any]:
    # A nonce: the editor applies each command once, even if the store is re-sent.
    return {"op": op, "nonce": uuid.uuid4().hex, **payload}


def _store_uploads(
    names: list[str], contents: list[str]
) -> tuple[list[library.Uploaded], list[Any]]:
    """Store each upload; refused ones become messages naming the file."""
    stored, notes = [], []
    settings = current_settings()
    for name, data in zip(names, contents, strict=False):
        try:
            stored.append(library.save_upload(_owner(), name, data, settings))
        except ImageInputError as exc:
            notes.append(message(f"{name or 'File'}: {exc}"))
    return stored, notes


def _text(value: Any) -> str:
    """A string from what the browser sent; anything else (a forged request) counts as empty."""
    return value if isinstance(value, str) else ""


def _texts(value: Any) -> list[str]:
    """A list of strings from what the browser sent (a string, a list, or anything hostile)."""
    items = value if isinstance(value, list) else [value]
    return [_text(item) for item in items]


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


def _fit_foregrounds(
    uploads: list[library.Uploaded], background: tuple[int, int]
) -> tuple[list[dict[str, Any]], list[Any]]:
    """Foregrounds larger than the background start scaled down to fit, with a note."""
    images, notes = [], []
    bw, bh = background
    for upload in uploads:
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


def _on_background(name: str, contents: str) -> tuple[Any, list[Any]]:
    stored, notes = _store_uploads([name], [contents])
    if not stored:
        return no_update, notes
    image = stored[0]
    notes.append(message(f"Background {image.name}: {image.width}×{image.height}.", "success"))
    return _command("background", image=image.as_dict()), notes


def _on_foregrounds(names: list[str], contents: list[str], placement: Any) -> tuple[Any, list[Any]]:
    background = _background_size(placement)
    if background is None:
        return no_update, [message("Upload a background first, then the foregrounds.")]
    stored, notes = _store_uploads(names, contents)
    images, fit_notes = _fit_foregrounds(stored, background)
    if not images:
        return no_update, notes
    return _command("add", images=images), notes + fit_notes


def register_callbacks(app: Dash) -> None:
    """Bind the page's callbacks to `app`."""
    app.clientside_callback(
        ClientsideFunction(namespace="compositor", function_name="apply"),
        Output("comp-applied", "data"),
        Input("comp-command", "data"),
        State("comp-placement", "data"),
    )

    @secured_callback(
        app,
        Role.VIEWER,
        Output("comp-command", "data"),
        Output("comp-messages", "children"),
        Output("comp-upload-bg", "contents"),
        Output("comp-upload-fg", "contents"),
        Output("comp-name", "value"),
        Input("comp-upload-bg", "contents"),
        Input("comp-upload-fg", "contents"),
        Input({"type": "comp-open", "id": ALL}, "n_clicks"),
        State("comp-upload-bg", "filename"),
        State("comp-upload-fg", "filename"),
        State("comp-placement", "data"),
        prevent_initial_call=True,
    )
    def _on_input(
        bg: str | None,
        fgs: list[str] | None,
        _opens: list[int | None],
        bg_name: str | None,
        fg_names: list[str] | None,
        placement: dict[str, Any] | None,
    ) -> tuple[Any, ...]:
        trigger = ctx.triggered_id
        # Clearing the uploads lets the same file be dropped again (and frees the browser).
        if trigger == "comp-upload-bg" and bg:
            command, notes = _on_background(_text(bg_name), _text(bg))
            return command, notes, None, no_update, no_update
        if trigger == "comp-upload-fg" and fgs:
            command, notes = _on_foregrounds(_texts(fg_names), _texts(fgs), placement)
            return command, notes, no_update, None, no_update
        if isinstance(trigger, dict) and ctx.triggered[0]["value"]:
            try:
                name, state = library.composite_state(_owner(), int(trigger["id"]))
            except library.NotFoundError as exc:
                return no_update, [message(str(exc))], no_update, no_update, no_update
            notes = [message(f"Opened {name}.", "success")]
            return _command("load", state=state), notes, no_update, no_update, name
        raise PreventUpdate

    @secured_callback(
        app,
        Role.VIEWER,
        Output("comp-download", "data"),
        Output("comp-export-msg", "children"),
        Input("comp-download-btn", "n_clicks"),
        State("comp-placement", "data"),
        State("comp-format", "value"),
        State("comp-quality", "value"),
        State("comp-name", "value"),
        prevent_initial_call=True,
    )
    def _on_download(
        _n: int | None, placement: Any, fmt: str, quality: int | None, name: str | None
    ) -> tuple[Any, Any]:
        try:
            encoded = library.export(
                _owner(), placement, fmt or "png", quality or 90, current_settings()
            )
        except (PlacementError, ImageInputError) as exc:
            return no_update, message(str(exc))
        stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in (name or "composite"))
        filename = f"{stem or 'composite'}.{encoded.extension}"
        return dcc.send_bytes(encoded.data, filename), message(f"Exported {filename}.", "success")

    @secured_callback(
        app,
        Role.VIEWER,
        Output("comp-save-msg", "children"),
        Output("comp-gallery-version", "data"),
        Input("comp-save-btn", "n_clicks"),
        State("comp-name", "value"),
        State("comp-placement", "data"),
        State("comp-gallery-version", "data"),
        prevent_initial_call=True,
    )
    def _on_save(_n: int | None, name: str | None, placement: Any, version: int) -> tuple[Any, Any]:
        try:
            library.save_composite(_owner(), name or "", placement, current_settings())
        except (PlacementError, ImageInputError) as exc:
            return message(str(exc)), no_update
        return message(f"Saved {name.strip() if name else ''}.", "success"), (version or 0) + 1

    @secured_callback(
        app,
        Role.VIEWER,
        Output("comp-gallery", "children"),
        Input("comp-gallery-version", "data"),
        Input({"type": "comp-delete", "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def _on_gallery(_version: int, _deletes: list[int | None]) -> Any:
        trigger = ctx.triggered_id
        if isinstance(trigger, dict):
            if not ctx.triggered[0]["value"]:
                raise PreventUpdate
            try:
                library.delete_composite(_owner(), int(trigger["id"]))
            except library.NotFoundError:
                pass  # already gone (another tab): just refresh the list
        return gallery(library.list_composites(_owner()))
