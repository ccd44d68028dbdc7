"""The Dash UI mounted on the Flask server."""

from __future__ import annotations

import dash_bootstrap_components as dbc  # noqa: F401 - component library used by the pages
from dash import Dash
from flask import Flask

from dashapp.background import managers_for
from dashapp.components.shell import register_shell_callbacks, shell
from dashapp.settings import PROJECT_ROOT, Settings

ASSETS_DIR = PROJECT_ROOT / "assets"
VIEWPORT = {"name": "viewport", "content": "width=device-width, initial-scale=1"}
# Dash's own page with a language for screen readers and a word for browsers without script.
INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        <noscript>dashapp needs JavaScript: turn it on for this site and reload.</noscript>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def build_dash_app(server: Flask, settings: Settings) -> Dash:
    """A Dash app with pages on `server`; every page's callbacks are bound to it."""
    from dashapp.pages import register_pages

    app = Dash(
        __name__,
        server=server,  # type: ignore[arg-type]  # Dash types say bool, it takes a Flask
        use_pages=True,
        # Pages are imported as normal modules (pages_folder=""), so building a second app in
        # the same process (tests, the worker) neither re-executes nor double-registers them.
        pages_folder="",
        assets_folder=str(ASSETS_DIR),
        background_callback_manager=managers_for(server).ui,
        suppress_callback_exceptions=True,
        title="dashapp",
        update_title="",
        meta_tags=[VIEWPORT],
        serve_locally=True,
        index_string=INDEX_STRING,
    )
    server.extensions["dash_app"] = app
    register_pages(app)
    register_shell_callbacks(app)
    app.layout = shell
    return app
