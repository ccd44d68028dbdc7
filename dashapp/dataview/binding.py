"""The app's DataView: built once per Flask app from its settings and dashboards file."""

from __future__ import annotations

import threading

from flask import Flask, current_app

from dashapp.dataview.cache import TTLCache
from dashapp.dataview.config.startup import load_for, open_catalog
from dashapp.dataview.service import DataView
from dashapp.extensions import db
from dashapp.settings import Settings, current_settings

EXTENSION_KEY = "dashapp_dataview"
LOADED_KEY = "dashapp_dashboards"
_build_lock = threading.Lock()


def install_dataview(server: Flask, settings: Settings) -> None:
    """Validate the dashboards file now, so a bad file stops start-up (file:line: problem)."""
    server.extensions[LOADED_KEY] = load_for(settings)
    if settings.dashboards is not None:
        with server.app_context():
            current_dataview()  # checks tables and columns against the sources


def current_dataview() -> DataView:
    """The DataView of the current app (caches and source pools live as long as the app)."""
    existing: DataView | None = current_app.extensions.get(EXTENSION_KEY)
    if existing is not None:
        return existing
    with _build_lock:  # one set of pools per app, however many first requests arrive at once
        existing = current_app.extensions.get(EXTENSION_KEY)
        if existing is not None:
            return existing
        settings = current_settings()
        loaded = current_app.extensions.get(LOADED_KEY) or load_for(settings)
        view = DataView(
            open_catalog(settings, loaded, db.engine),
            cache=TTLCache(size=2048, ttl=settings.dataview_cache_seconds),
            shared_url=settings.redis_url,  # landmark passes serve every web process
            prewarm_rows=settings.dataview_prewarm_rows,
        )
        current_app.extensions[EXTENSION_KEY] = view
        return view
