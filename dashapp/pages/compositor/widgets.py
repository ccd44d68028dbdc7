"""Layout pieces of the compositor page: upload, export and save panels, gallery cards."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.pages.compositor import ids
from dashapp.settings import current_settings

ACCEPT = "image/png,image/jpeg,image/webp,image/gif,.png,.jpg,.jpeg,.webp,.gif"


def _max_file_bytes() -> int:
    return int(current_settings().compositor_max_upload_mb * 1024 * 1024)


def _limits_text() -> str:
    settings = current_settings()
    return (
        f"PNG, JPEG, WebP or GIF (first frame); transparency is kept. Up to "
        f"{settings.compositor_max_upload_mb:g} MB and "
        f"{settings.compositor_max_pixels / 1e6:g} megapixels per file, "
        f"{settings.compositor_max_files_per_upload} files at a time."
    )


def upload_panel(stored: str) -> dbc.Card:
    """Drop zones for the background and the foregrounds, the upload messages, and what the
    user stores (`stored`: the line against the caps) with a way to free room."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Images", className="h6"),
                dcc.Upload(
                    id=ids.UPLOAD_BG,
                    accept=ACCEPT,
                    max_size=_max_file_bytes(),
                    multiple=False,
                    className="comp-upload mb-2",
                    children=html.Div(
                        [html.I(className="bi bi-image me-1"), "Background: drop or click"]
                    ),
                ),
                dcc.Upload(
                    id=ids.UPLOAD_FG,
                    accept=ACCEPT,
                    max_size=_max_file_bytes(),
                    multiple=True,
                    className="comp-upload mb-2",
                    children=html.Div(
                        [html.I(className="bi bi-layers me-1"), "Foregrounds: drop or click"]
                    ),
                ),
                html.Div(_limits_text(), className="small text-body-secondary"),
                # Said by the browser (refused before sending, sending, no answer) ...
                html.Div(id=ids.UPLOAD_STATUS, className="mt-2", role="status"),
                # ... and by the server.
                dcc.Loading(html.Div(id=ids.MESSAGES, className="mt-2", role="status"), type="dot"),
                _storage_line(stored),
            ]
        ),
        className="dashapp-card mb-3",
    )


def _storage_line(stored: str) -> html.Div:
    """Images and MB stored against the caps; Delete unused uploads asks before it deletes."""
    return html.Div(
        [
            html.Div(
                [
                    html.Span(stored, id=ids.STORAGE, className="me-2"),
                    dbc.Button(
                        [html.I(className="bi bi-trash3 me-1"), "Delete unused uploads"],
                        id=ids.PRUNE_BTN,
                        color="secondary",
                        outline=True,
                        size="sm",
                    ),
                ],
                className="small text-body-secondary d-flex flex-wrap align-items-center gap-1",
            ),
            html.Div(
                [
                    html.Div(id=ids.PRUNE_TEXT, className="mb-2"),
                    html.Div(
                        [
                            dbc.Button("Delete", id=ids.PRUNE_CONFIRM, color="danger", size="sm"),
                            dbc.Button("Cancel", id=ids.PRUNE_CANCEL, color="secondary", size="sm"),
                        ],
                        className="d-flex flex-wrap gap-1",
                    ),
                ],
                id=ids.PRUNE_ASK,
                hidden=True,
                className="alert alert-warning p-2 mt-2 mb-0 small",
                role="alertdialog",
                **_labelled_by(ids.PRUNE_TEXT),
            ),
            html.Div(id=ids.PRUNE_MSG, className="mt-2", role="status"),
        ],
        className="mt-3 pt-2 border-top",
    )


def export_panel() -> dbc.Card:
    """Format, quality and the download button."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Download", className="h6"),
                dbc.RadioItems(
                    id=ids.FORMAT,
                    options=[
                        {"label": "PNG", "value": "png"},
                        {"label": "JPEG", "value": "jpeg"},
                        {"label": "WebP", "value": "webp"},
                    ],
                    value="png",
                    inline=True,
                ),
                dbc.InputGroup(
                    [
                        dbc.InputGroupText(
                            html.Label("Quality", htmlFor=ids.QUALITY, className="mb-0")
                        ),
                        dbc.Input(id=ids.QUALITY, type="number", min=1, max=100, value=90),
                    ],
                    size="sm",
                    className="my-2",
                ),
                dbc.Button(
                    [html.I(className="bi bi-download me-1"), "Download full size"],
                    id=ids.DOWNLOAD_BTN,
                    color="primary",
                    size="sm",
                ),
                html.Button(
                    [html.I(className="bi bi-x-circle me-1"), "Cancel render"],
                    id=ids.RENDER_CANCEL,
                    type="button",
                    hidden=True,
                    className="btn btn-outline-secondary btn-sm ms-1",
                ),
                dcc.Download(id=ids.DOWNLOAD),
                html.Div(id=ids.EXPORT_STATUS, className="mt-2", role="status"),
                html.Div(id=ids.EXPORT_PROGRESS, className="mt-2 small", role="status"),
                html.Div(id=ids.EXPORT_RESULT, className="mt-2", role="status"),
                dcc.Loading(
                    html.Div(id=ids.EXPORT_MSG, className="mt-2", role="status"), type="dot"
                ),
            ]
        ),
        className="dashapp-card mb-3",
    )


def save_panel() -> dbc.Card:
    """Name and save the composite to the gallery."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Save to gallery", className="h6"),
                html.Label("Composite name", htmlFor=ids.NAME, className="visually-hidden"),
                dbc.InputGroup(
                    [
                        dbc.Input(id=ids.NAME, placeholder="Name", maxlength=120),
                        dbc.Button("Save", id=ids.SAVE_BTN, color="secondary"),
                    ],
                    size="sm",
                ),
                _clash_question(),
                html.Div(id=ids.SAVE_MSG, className="mt-2", role="status"),
            ]
        ),
        className="dashapp-card mb-3",
    )


def _labelled_by(element_id: str) -> dict[str, Any]:
    return {"aria-labelledby": element_id}


def _clash_question() -> html.Div:
    """Asked when the name is taken: replace the saved one, or save under a new name."""
    return html.Div(
        [
            html.Div(id=ids.CLASH_TEXT, className="small mb-2"),
            html.Div(
                [
                    dbc.Button("Replace", id=ids.CLASH_REPLACE, color="danger", size="sm"),
                    dbc.Button("Save as new", id=ids.CLASH_NEW, color="primary", size="sm"),
                    dbc.Button("Cancel", id=ids.CLASH_CANCEL, color="secondary", size="sm"),
                ],
                className="d-flex flex-wrap gap-1",
            ),
        ],
        id=ids.CLASH,
        hidden=True,
        className="alert alert-warning p-2 mt-2 mb-0",
        role="alertdialog",
        **_labelled_by(ids.CLASH_TEXT),
    )


def delete_question() -> html.Div:
    """Asked before a gallery item is deleted."""
    return html.Div(
        [
            html.Span(id=ids.DELETE_TEXT, className="me-2"),
            dbc.Button(
                "Delete", id=ids.DELETE_CONFIRM, color="danger", size="sm", className="me-1"
            ),
            dbc.Button("Cancel", id=ids.DELETE_CANCEL, color="secondary", outline=True, size="sm"),
        ],
        id=ids.DELETE_ASK,
        hidden=True,
        className="alert alert-warning p-2 small",
        role="alertdialog",
        **_labelled_by(ids.DELETE_TEXT),
    )


def undo_toast() -> dbc.Toast:
    """Shown for a few seconds after a delete, with Undo."""
    return dbc.Toast(
        html.Div(
            [
                html.Span(id=ids.UNDO_TEXT, className="me-2"),
                dbc.Button("Undo", id=ids.UNDO_BTN, color="primary", size="sm"),
            ],
            className="d-flex align-items-center",
        ),
        id=ids.UNDO,
        header="Gallery",
        is_open=False,
        dismissable=True,
        duration=8000,
        className="comp-undo-toast",
    )


def message(text: str, color: str = "danger") -> dbc.Alert:
    """A compact alert."""
    return dbc.Alert(text, color=color, className="py-1 px-2 mb-1 small")


def gallery(items: list[dict[str, Any]]) -> Any:
    """Cards for the saved composites (thumbnail, open, download, delete)."""
    if not items:
        return html.P("Nothing saved yet.", className="text-body-secondary small")
    cards = []
    for item in items:
        cid = item["id"]
        link = f"/compositor/composites/{cid}"
        cards.append(
            dbc.Col(
                dbc.Card(
                    [
                        html.Img(
                            src=f"{link}/thumbnail?v={item['updated']:%Y%m%d%H%M%S%f}",
                            className="card-img-top comp-gallery-thumb",
                            alt=item["name"],
                        ),
                        dbc.CardBody(
                            [
                                html.Div(item["name"], className="fw-semibold text-truncate"),
                                html.Div(
                                    f"{item['width']}×{item['height']}",
                                    className="small text-body-secondary mb-2",
                                ),
                                dbc.ButtonGroup(
                                    [
                                        dbc.Button(
                                            "Open",
                                            id=ids.open_id(cid),
                                            size="sm",
                                            color="primary",
                                            outline=True,
                                        ),
                                        # Rendered as a background job (never in a web
                                        # request); the file arrives like Download's.
                                        dbc.Button(
                                            "PNG",
                                            id=ids.gallery_download_id(cid),
                                            size="sm",
                                            color="secondary",
                                            outline=True,
                                            title=f"Download {item['name']} as PNG",
                                        ),
                                        dbc.Button(
                                            "Delete",
                                            id=ids.delete_id(cid),
                                            size="sm",
                                            color="danger",
                                            outline=True,
                                        ),
                                    ],
                                    size="sm",
                                ),
                            ],
                            className="p-2",
                        ),
                    ],
                    className="h-100",
                    id=f"comp-gallery-item-{cid}",
                ),
                xs=6,
                md=4,
                lg=3,
                className="mb-3",
            )
        )
    return dbc.Row(cards)
