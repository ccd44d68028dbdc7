"""The page frame around every Dash page, and its client-side callbacks."""

from __future__ import annotations

import dash
from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html

from dashapp.components import ids
from dashapp.components.navbar import NAV_COLLAPSE_ID, NAV_TOGGLER_ID, THEME_SWITCH_ID, navbar
from dashapp.web.identity import current_user

THEME_STORE_ID = ids.THEME_STORE


def shell() -> html.Div:
    """The layout of every request: navbar, the routed page, and the colour-mode store."""
    return html.Div(
        [
            navbar(current_user()),
            html.Main(dash.page_container, className="dashapp-main", id=ids.MAIN),
            dcc.Store(id=THEME_STORE_ID),
        ]
    )


def register_shell_callbacks(app: Dash) -> None:
    """Colour-mode and navbar-collapse callbacks; both run in the browser only."""
    app.clientside_callback(
        ClientsideFunction(namespace="theme", function_name="sync"),
        Output(THEME_SWITCH_ID, "value"),
        Output(THEME_STORE_ID, "data"),
        Input(THEME_SWITCH_ID, "value"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="theme", function_name="toggleNav"),
        Output(NAV_COLLAPSE_ID, "is_open"),
        Input(NAV_TOGGLER_ID, "n_clicks"),
        # A new page closes the phone menu, which would otherwise cover it.
        Input(ids.PAGES_LOCATION, "pathname"),
        State(NAV_COLLAPSE_ID, "is_open"),
    )
