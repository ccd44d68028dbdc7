"""Download: the editor's placement rendered at full resolution."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, dcc, no_update

from dashapp.auth import Role, secured_callback
from dashapp.pages.compositor import ids
from dashapp.pages.compositor.common import owner, text
from dashapp.pages.compositor.widgets import message
from dashapp.services.compositing import library
from dashapp.services.compositing.geometry import PlacementError
from dashapp.services.compositing.images import ImageInputError
from dashapp.settings import current_settings


def download_name(name: Any, extension: str) -> str:
    """A safe file name for the download."""
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in (text(name) or "composite"))
    return f"{stem or 'composite'}.{extension}"


def register_export_callbacks(app: Dash) -> None:
    """Bind the download callback to `app`."""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.DOWNLOAD, "data"),
        Output(ids.EXPORT_MSG, "children"),
        Input(ids.DOWNLOAD_BTN, "n_clicks"),
        State(ids.PLACEMENT, "data"),
        State(ids.FORMAT, "value"),
        State(ids.QUALITY, "value"),
        State(ids.NAME, "value"),
        prevent_initial_call=True,
    )
    def _on_download(
        _n: int | None, placement: Any, fmt: str, quality: int | None, name: str | None
    ) -> tuple[Any, Any]:
        try:
            encoded = library.export(
                owner(), placement, fmt or "png", quality or 90, current_settings()
            )
        except (PlacementError, ImageInputError) as exc:
            return no_update, message(str(exc))
        filename = download_name(name, encoded.extension)
        return dcc.send_bytes(encoded.data, filename), message(f"Exported {filename}.", "success")
