"""The top navigation bar: brand, page links, colour-mode switch and the signed-in user."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashapp.components import ids
from dashapp.web.identity import Role, User

THEME_SWITCH_ID = ids.THEME_SWITCH
NAV_COLLAPSE_ID = ids.NAV_COLLAPSE
NAV_TOGGLER_ID = ids.NAV_TOGGLER

ROLE_COLOURS = {"ADMIN": "danger", "TRAINER": "info", "VIEWER": "secondary", "NONE": "light"}


def icon(name: str, extra_class: str = "") -> html.I:
    """A decorative Bootstrap icon, hidden from screen readers."""
    attributes = {"aria-hidden": "true"}
    return html.I(className=f"bi bi-{name} {extra_class}".strip(), **attributes)  # type: ignore[arg-type]


def user_badge(user: User | None) -> html.Span:
    """The user's name with a badge for their role."""
    if user is None:
        return html.Span("Not signed in", className="text-body-secondary")
    return html.Span(
        [
            icon("person-circle", "me-1"),
            html.Span(user.label, className="dashapp-user align-middle", id=ids.USERNAME),
            dbc.Badge(
                user.role.name.lower(),
                # text-bg-* picks a text colour that reads on the badge (white on cyan did not).
                color=None,
                className=f"ms-2 align-middle text-bg-{ROLE_COLOURS[user.role.name]}",
                id=ids.ROLE_BADGE,
            ),
        ],
        className="d-inline-flex align-items-center",
    )


def nav_pages(user: User | None) -> list[dict[str, object]]:
    """The registered pages to link to for `user`: a page's `role` hides it from others."""
    held = user.role if user is not None else Role.NONE
    return [
        page
        for page in dash.page_registry.values()
        if page.get("nav", True) and held >= page.get("role", Role.NONE)
    ]


def navbar(user: User | None) -> dbc.Navbar:
    """The navbar; page links come from Dash's page registry in their declared order."""
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in nav_pages(user)
    ]
    theme_switch = html.Div(
        [
            icon("sun", "me-1"),
            dbc.Switch(
                id=THEME_SWITCH_ID,
                value=False,
                className="d-inline-block mb-0",
                # Named for screen readers; the sun and moon icons say it to the eye.
                label="Dark mode",
                label_class_name="visually-hidden",
                input_class_name="dashapp-theme-input",
            ),
            icon("moon-stars"),
        ],
        className="dashapp-theme-switch d-flex align-items-center me-3",
        title="Dark mode",
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [icon("grid-1x2-fill", "me-2"), "dashapp"], href="/", className="dashapp-brand"
                ),
                dbc.NavbarToggler(id=NAV_TOGGLER_ID, n_clicks=0),
                dbc.Collapse(
                    [
                        dbc.Nav(links, className="me-auto", navbar=True),
                        html.Div(
                            [theme_switch, user_badge(user)],
                            className="d-flex align-items-center py-2 py-md-0",
                        ),
                    ],
                    id=NAV_COLLAPSE_ID,
                    is_open=False,
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        color="body-tertiary",
        # dbc defaults to dark=True (light text): on the light bar that was white on white.
        # Without it the text colours come from Bootstrap's variables for the colour mode.
        dark=False,
        className="border-bottom",
        expand="md",
    )
