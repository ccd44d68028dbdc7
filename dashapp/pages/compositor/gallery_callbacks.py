"""Save to the gallery (asking on a name clash), the gallery list, delete with confirm and undo."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update, set_props
from dash.exceptions import PreventUpdate

from dashapp.compositing import library, renders
from dashapp.compositing.geometry import PlacementError
from dashapp.compositing.images import ImageInputError
from dashapp.pages.compositor import ids
from dashapp.pages.compositor.common import command, owner, text
from dashapp.pages.compositor.export_callbacks import download_stem
from dashapp.pages.compositor.widgets import gallery, message
from dashapp.settings import current_settings
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role

UNDO_SECONDS = 8


def _save(name: str, placement: Any, replace: bool) -> tuple[Any, ...]:
    """Save; (message, clash hidden, clash text, saved nonce) for the save callback."""
    library.save_composite(owner(), name, placement, current_settings(), replace=replace)
    verb = "Replaced" if replace else "Saved"
    return (
        message(f"{verb} {library.clean_name(name)}.", "success"),
        True,
        no_update,
        command("saved"),
    )


def _register_save(app: Dash) -> None:
    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.SAVE_MSG, "children"),
        Output(ids.CLASH, "hidden"),
        Output(ids.CLASH_TEXT, "children"),
        Output(ids.SAVED, "data"),
        Output(ids.GALLERY_VERSION, "data"),
        Output(ids.NAME, "value", allow_duplicate=True),
        Input(ids.SAVE_BTN, "n_clicks"),
        Input(ids.CLASH_REPLACE, "n_clicks"),
        Input(ids.CLASH_NEW, "n_clicks"),
        Input(ids.CLASH_CANCEL, "n_clicks"),
        State(ids.NAME, "value"),
        State(ids.PLACEMENT, "data"),
        State(ids.GALLERY_VERSION, "data"),
        prevent_initial_call=True,
    )
    def _on_save(
        _save_n: Any,
        _replace_n: Any,
        _new_n: Any,
        _cancel_n: Any,
        name: Any,
        placement: Any,
        version: Any,
    ) -> tuple[Any, ...]:
        trigger = ctx.triggered_id
        bump = (version if isinstance(version, int) else 0) + 1
        name = library.clean_name(text(name))
        if trigger == ids.CLASH_CANCEL:
            return (
                message("Not saved.", "secondary"),
                True,
                no_update,
                no_update,
                no_update,
                no_update,
            )
        new_name: Any = no_update
        try:
            if trigger == ids.CLASH_NEW:
                new_name = library.free_name(owner(), name)
                name = new_name
            reply = _save(name, placement, replace=trigger == ids.CLASH_REPLACE)
        except library.NameTakenError as exc:
            question = f"{exc} Replace it, or save this one under a new name?"
            # The question replaces the last save's "Saved …": both at once contradict.
            return None, False, question, no_update, no_update, no_update
        except (PlacementError, ImageInputError) as exc:
            return message(str(exc)), True, no_update, no_update, no_update, no_update
        return (*reply, bump, new_name)


def _register_gallery(app: Dash) -> None:
    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.GALLERY, "children"),
        Input(ids.GALLERY_VERSION, "data"),
        prevent_initial_call=True,
    )
    def _on_gallery(_version: Any) -> Any:
        return gallery(library.list_composites(owner()))

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.DELETE_PENDING, "data"),
        Output(ids.DELETE_ASK, "hidden"),
        Output(ids.DELETE_TEXT, "children"),
        Input(ids.delete_id(ALL), "n_clicks"),
        prevent_initial_call=True,
    )
    def _on_delete_asked(_clicks: Any) -> tuple[Any, ...]:
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        try:
            composite_id = int(trigger["id"])
            name, _state = library.composite_state(owner(), composite_id)
        except (library.NotFoundError, TypeError, ValueError):
            raise PreventUpdate from None
        question = f"Delete “{name}” from the gallery? You can undo for {UNDO_SECONDS} seconds."
        return composite_id, False, question

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.DELETE_ASK, "hidden", allow_duplicate=True),
        Output(ids.GALLERY_VERSION, "data", allow_duplicate=True),
        Output(ids.UNDO_DATA, "data"),
        Output(ids.UNDO, "is_open"),
        Output(ids.UNDO_TEXT, "children"),
        Output(ids.GALLERY_MSG, "children"),
        Input(ids.DELETE_CONFIRM, "n_clicks"),
        Input(ids.DELETE_CANCEL, "n_clicks"),
        State(ids.DELETE_PENDING, "data"),
        State(ids.GALLERY_VERSION, "data"),
        prevent_initial_call=True,
    )
    def _on_delete_answered(
        _yes: Any, _no: Any, pending: int | None, version: Any
    ) -> tuple[Any, ...]:
        if ctx.triggered_id != ids.DELETE_CONFIRM or not isinstance(pending, int):
            return True, no_update, no_update, no_update, no_update, None
        bump = (version if isinstance(version, int) else 0) + 1
        try:
            name, state = library.delete_composite(owner(), pending)
        except library.NotFoundError:
            return True, bump, None, False, no_update, message("It was already deleted.", "info")
        undo = {"name": name, "state": state}
        return True, bump, undo, True, f"Deleted “{name}”.", None

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.GALLERY_VERSION, "data", allow_duplicate=True),
        Output(ids.UNDO, "is_open", allow_duplicate=True),
        Output(ids.UNDO_DATA, "data", allow_duplicate=True),
        Output(ids.GALLERY_MSG, "children", allow_duplicate=True),
        Input(ids.UNDO_BTN, "n_clicks"),
        State(ids.UNDO_DATA, "data"),
        State(ids.GALLERY_VERSION, "data"),
        prevent_initial_call=True,
    )
    def _on_undo(_n: Any, undo: Any, version: Any) -> tuple[Any, ...]:
        if not isinstance(undo, dict):
            raise PreventUpdate
        bump = (version if isinstance(version, int) else 0) + 1
        try:
            name = library.restore_composite(
                owner(), text(undo.get("name")), undo.get("state"), current_settings()
            )
        except (PlacementError, ImageInputError) as exc:
            return no_update, False, None, message(f"Could not undo: {exc}")
        return bump, False, None, message(f"Restored “{name}”.", "success")


def _register_gallery_download(app: Dash) -> None:
    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.GALLERY_MSG, "children", allow_duplicate=True),
        Input(ids.gallery_download_id(ALL), "n_clicks"),
        prevent_initial_call=True,
    )
    def _on_gallery_download(_clicks: Any) -> Any:
        # Queued like the Download button's render: a job renders it, the page fetches the file.
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        try:
            name, state = library.composite_state(owner(), int(trigger["id"]))
            render_id = renders.queue_render(
                owner(), state, "png", 90, download_stem(name), current_settings()
            )
        except (library.NotFoundError, TypeError, ValueError):
            return message("That composite is no longer in the gallery.")
        except (PlacementError, ImageInputError) as exc:
            return message(f"{name}: {exc}")
        set_props(ids.RENDER_REQ, {"data": {"render_id": render_id}})
        return message(f"Rendering “{name}” at full size; the file downloads when ready.", "info")


def register_gallery_callbacks(app: Dash) -> None:
    """Bind the save, gallery, download, delete and undo callbacks to `app`."""
    _register_save(app)
    _register_gallery(app)
    _register_gallery_download(app)
