"""Layout pieces of the compositor page: upload, export and save panels, gallery cards."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

ACCEPT = "image/png,image/jpeg,image/webp,image/gif,.png,.jpg,.jpeg,.webp,.gif"


def upload_panel() -> dbc.Card:
    """Drop zones for the background and the foregrounds, and the upload messages."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Images", className="h6"),
                dcc.Upload(
                    id="comp-upload-bg",
                    accept=ACCEPT,
                    multiple=False,
                    className="comp-upload mb-2",
                    children=html.Div(
                        [html.I(className="bi bi-image me-1"), "Background: drop or click"]
                    ),
                ),
                dcc.Upload(
                    id="comp-upload-fg",
                    accept=ACCEPT,
                    multiple=True,
                    className="comp-upload mb-2",
                    children=html.Div(
                        [html.I(className="bi bi-layers me-1"), "Foregrounds: drop or click"]
                    ),
                ),
                html.Div(
                    "PNG, JPEG, WebP or GIF (first frame); transparency is kept.",
                    className="small text-body-secondary",
                ),
                dcc.Loading(html.Div(id="comp-messages", className="mt-2"), type="dot"),
            ]
        ),
        className="dashapp-card mb-3",
    )


def export_panel() -> dbc.Card:
    """Format, quality and the download button."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Download", className="h6"),
                dbc.RadioItems(
                    id="comp-format",
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
                        dbc.Label(
                            "Quality", html_for="comp-quality", class_name="input-group-text"
                        ),
                        dbc.Input(id="comp-quality", type="number", min=1, max=100, value=90),
                    ],
                    size="sm",
                    className="my-2",
                ),
                dbc.Button(
                    [html.I(className="bi bi-download me-1"), "Download full size"],
                    id="comp-download-btn",
                    color="primary",
                    size="sm",
                ),
                dcc.Download(id="comp-download"),
                dcc.Loading(html.Div(id="comp-export-msg", className="mt-2"), type="dot"),
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
                dbc.InputGroup(
                    [
                        dbc.Input(id="comp-name", placeholder="Name", maxlength=120),
                        dbc.Button("Save", id="comp-save-btn", color="secondary"),
                    ],
                    size="sm",
                ),
                html.Div(id="comp-save-msg", className="mt-2"),
            ]
        ),
        className="dashapp-card mb-3",
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
                                            id={"type": "comp-open", "id": cid},
                                            size="sm",
                                            color="primary",
                                            outline=True,
                                        ),
                                        html.A(
                                            "PNG",
                                            href=f"{link}/download?format=png",
                                            className="btn btn-sm btn-outline-secondary",
                                            download="",
                                        ),
                                        dbc.Button(
                                            "Delete",
                                            id={"type": "comp-delete", "id": cid},
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
