"""Compositor page: place foregrounds on a background in the browser, export at full size."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Dash, Input, Output, dcc, html

from dashapp.components.page_guard import page_guard
from dashapp.compositing import library, storage
from dashapp.pages.compositor import ids
from dashapp.pages.compositor.common import owner
from dashapp.pages.compositor.export_callbacks import register_export_callbacks
from dashapp.pages.compositor.gallery_callbacks import register_gallery_callbacks
from dashapp.pages.compositor.storage_callbacks import register_storage_callbacks
from dashapp.pages.compositor.upload_callbacks import register_upload_callbacks
from dashapp.pages.compositor.widgets import (
    delete_question,
    export_panel,
    gallery,
    save_panel,
    undo_toast,
    upload_panel,
)
from dashapp.settings import current_settings
from dashapp.web.identity import Role

dash.register_page(
    __name__, path="/compositor", name="Compositor", order=2, title="Compositor · dashapp"
)


def client_limits() -> dict[str, Any]:
    """The server's limits the browser checks before sending (the server checks them again);
    data-* attributes of the page, read by assets/compositor_upload.js."""
    settings = current_settings()
    return {
        "data-max-file-bytes": int(settings.compositor_max_upload_mb * 1024 * 1024),
        "data-max-request-bytes": settings.max_request_mb * 1024 * 1024,
        "data-max-files": settings.compositor_max_files_per_upload,
        "data-max-layers": settings.compositor_max_layers,
    }


def layout(**_query: str) -> object:
    """The page, or an explanation when the user lacks the role."""
    denied = page_guard(Role.VIEWER)
    if denied is not None:
        return denied
    stored = storage.describe(storage.usage(owner()), current_settings())
    return html.Div(
        [
            html.H1("Compositor", className="h3 mb-3"),
            dbc.Row(
                [
                    # On a phone the canvas comes first and the panels follow it.
                    dbc.Col(
                        html.Div(id=ids.EDITOR),
                        lg={"size": 9, "order": 2},
                        xs={"size": 12, "order": 1},
                        className="mb-3 comp-editor-col",
                    ),
                    dbc.Col(
                        [upload_panel(stored), export_panel(), save_panel()],
                        lg={"size": 3, "order": 1},
                        xs={"size": 12, "order": 2},
                    ),
                ]
            ),
            html.H2("Gallery", className="h5 mt-2"),
            delete_question(),
            html.Div(id=ids.GALLERY_MSG),
            html.Div(gallery(library.list_composites(owner())), id=ids.GALLERY),
            undo_toast(),
            # Server -> editor commands; the editor writes its placement back (kept for the
            # browser session so a reload does not lose the work).
            dcc.Store(id=ids.COMMAND),
            dcc.Store(id=ids.UPLOAD_ORDER),
            dcc.Store(id=ids.PLACEMENT, storage_type="session"),
            dcc.Store(id=ids.APPLIED),
            dcc.Store(id=ids.SAVED),
            dcc.Store(id=ids.RENDER_REQ),
            dcc.Store(id=ids.RENDER_DONE),
            dcc.Store(id=ids.GALLERY_VERSION, data=0),
            dcc.Store(id=ids.DELETE_PENDING),
            dcc.Store(id=ids.UNDO_DATA),
        ],
        id=ids.PAGE,
        **client_limits(),
    )


def register_callbacks(app: Dash) -> None:
    """Bind the page's callbacks to `app`."""
    app.clientside_callback(
        ClientsideFunction(namespace="compositor", function_name="apply"),
        Output(ids.APPLIED, "data"),
        Input(ids.COMMAND, "data"),
        dash.State(ids.PLACEMENT, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="compositor", function_name="saved"),
        Output(ids.APPLIED, "data", allow_duplicate=True),
        Input(ids.SAVED, "data"),
        prevent_initial_call=True,
    )
    register_upload_callbacks(app)
    register_export_callbacks(app)
    register_gallery_callbacks(app)
    register_storage_callbacks(app)
