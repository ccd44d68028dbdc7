"""The page Dash shows for an address that matches no page (Dash finds it by this module name)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashapp.components import ids
from dashapp.components.navbar import nav_pages
from dashapp.web.identity import current_user

dash.register_page(
    __name__, path="/404", name="Page not found", title="Page not found · dashapp", nav=False
)


def layout(**_query: str) -> html.Div:
    """A way back to every page in the navigation."""
    pages = nav_pages(current_user())
    return html.Div(
        dbc.Card(
            dbc.CardBody(
                [
                    html.P("Error 404", className="text-body-secondary mb-1"),
                    html.H1("Page not found", className="h3"),
                    html.P(
                        "There is no page at this address. The link may be old or mistyped.",
                        className="mb-3",
                    ),
                    html.Div(
                        [
                            dbc.Button(
                                page["name"],
                                href=page["relative_path"],
                                color="primary" if index == 0 else "secondary",
                                outline=index > 0,
                                className="me-2 mb-2",
                            )
                            for index, page in enumerate(pages)
                        ]
                    ),
                ]
            ),
            className="dashapp-card mx-auto",
            style={"maxWidth": "36rem"},
        ),
        id=ids.NOT_FOUND,
        className="py-4",
    )
