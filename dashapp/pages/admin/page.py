"""Admin page (/admin): data sources' health and discovered schema beside the dashboards file."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from dashapp.components.page_guard import page_guard
from dashapp.dataview.binding import current_dataview
from dashapp.dataview.config.overview import source_overviews
from dashapp.pages.admin import ids
from dashapp.pages.admin.render import sources_view
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role

# `role` keeps the page out of others' navigation and answers its address with 403 for them
# (dashapp.page_status); the layout and every callback check the role again themselves.
dash.register_page(
    __name__,
    path="/admin",
    name="Admin",
    order=3,
    title="Admin · dashapp",
    role=Role.ADMIN,
)


def layout(**_query: str) -> object:
    """The page frame; the sources are checked by a callback (a slow source must not block it)."""
    denied = page_guard(Role.ADMIN)
    if denied is not None:
        return denied
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Data sources", className="h3 mb-0 me-auto"),
                    html.Span(id=ids.CHECKED_AT, className="small text-body-secondary"),
                    dbc.Button("Check again", id=ids.REFRESH, color="primary", size="sm"),
                ],
                className="d-flex flex-wrap align-items-center gap-2 mb-2",
            ),
            html.P(
                "Each source's health and the tables it holds, next to what the dashboards "
                "file configures for them.",
                className="text-body-secondary",
            ),
            dcc.Loading(html.Div(id=ids.SOURCES), type="circle"),
        ],
        id=ids.PAGE,
        className="admin-page",
    )


def register_callbacks(app: Dash) -> None:
    """Bind the page's callbacks to `app` (admin only, checked on the server)."""

    @secured_callback(
        app,
        Role.ADMIN,
        Output(ids.SOURCES, "children"),
        Output(ids.CHECKED_AT, "children"),
        Input(ids.REFRESH, "n_clicks"),
    )
    def _check(_clicks: Any) -> Any:
        overviews = source_overviews(current_dataview().catalog)
        checked = dt.datetime.now(dt.UTC).strftime("Checked %H:%M:%S UTC")
        return sources_view(overviews), checked
