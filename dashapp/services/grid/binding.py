"""The app's DataView: built once per Flask app from its settings and engine."""

from __future__ import annotations

from flask import current_app

from dashapp.extensions import db
from dashapp.services.grid.cache import TTLCache
from dashapp.services.grid.service import DataView
from dashapp.settings import current_settings

EXTENSION_KEY = "dashapp_dataview"


def current_dataview() -> DataView:
    """The DataView of the current app (caches live as long as the app)."""
    existing: DataView | None = current_app.extensions.get(EXTENSION_KEY)
    if existing is not None:
        return existing
    settings = current_settings()
    view = DataView(
        db.engine,
        settings.dataview_tables,
        timeout_ms=settings.dataview_statement_timeout_ms,
        cache=TTLCache(size=2048, ttl=settings.dataview_cache_seconds),
    )
    # Two first requests at once may both build one; the first stored wins, both are equal.
    stored: DataView = current_app.extensions.setdefault(EXTENSION_KEY, view)
    return stored
