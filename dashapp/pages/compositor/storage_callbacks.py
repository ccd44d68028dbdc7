"""The user's stored uploads: the line against the caps, and deleting the unused ones."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update

from dashapp.compositing import storage
from dashapp.pages.compositor import ids
from dashapp.pages.compositor.common import owner
from dashapp.pages.compositor.widgets import message
from dashapp.settings import current_settings
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role


def _in_use(placement: Any, undo: Any, undo_open: Any) -> set[int]:
    """Uploads the page still needs: the canvas's, and a deleted composite's while Undo shows."""
    keep = storage.image_ids_in(placement)
    if undo_open is True and isinstance(undo, dict):
        keep |= storage.image_ids_in(undo.get("state"))
    return keep


def register_storage_callbacks(app: Dash) -> None:
    """Bind the storage line and Delete unused uploads (asked first) to `app`."""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.STORAGE, "children"),
        Output(ids.PRUNE_ASK, "hidden"),
        Output(ids.PRUNE_TEXT, "children"),
        Output(ids.PRUNE_MSG, "children"),
        # Every upload answer (stored or refused) refreshes the line.
        Input(ids.MESSAGES, "children"),
        Input(ids.PRUNE_BTN, "n_clicks"),
        Input(ids.PRUNE_CONFIRM, "n_clicks"),
        Input(ids.PRUNE_CANCEL, "n_clicks"),
        State(ids.PLACEMENT, "data"),
        State(ids.UNDO_DATA, "data"),
        State(ids.UNDO, "is_open"),
        prevent_initial_call=True,
    )
    def _on_storage(
        _messages: Any,
        _ask: Any,
        _yes: Any,
        _no: Any,
        placement: Any,
        undo: Any,
        undo_open: Any,
    ) -> tuple[Any, ...]:
        settings, user, trigger = current_settings(), owner(), ctx.triggered_id
        keep = _in_use(placement, undo, undo_open)
        line = storage.describe(storage.usage(user), settings)  # every answer refreshes it
        if trigger == ids.PRUNE_BTN:
            free = storage.unused(user, keep)
            if not free.images:
                note = message(
                    "Nothing to delete: every upload is used by a saved composite, the canvas "
                    "or a render. Delete saved composites you no longer need first.",
                    "info",
                )
                return line, True, no_update, note
            question = (
                f"Delete {free.images} upload{'s' if free.images > 1 else ''} "
                f"({storage.size_text(free.bytes)}) that no saved composite, the canvas or a "
                "render uses? This cannot be undone. Images placed in another tab and not "
                "saved there count as unused."
            )
            return line, False, question, None
        if trigger == ids.PRUNE_CONFIRM:
            freed = storage.delete_unused(user, keep)
            done = message(
                f"Deleted {freed.images} unused upload{'s' if freed.images != 1 else ''} "
                f"({storage.size_text(freed.bytes)}).",
                "success",
            )
            return storage.describe(storage.usage(user), settings), True, no_update, done
        if trigger == ids.PRUNE_CANCEL:
            return line, True, no_update, None
        return line, no_update, no_update, no_update
