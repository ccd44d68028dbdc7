"""Load the dashboards file when the app is built; a bad file stops start-up with its line."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import Engine

from dashapp.dataview.config.catalog import Catalog, build_catalog, simple_catalog
from dashapp.dataview.config.checks import check_catalog
from dashapp.dataview.config.errors import DashboardsError
from dashapp.dataview.config.loader import LoadedDashboards, load_dashboards
from dashapp.settings import PROJECT_ROOT, Settings, SettingsError

log = logging.getLogger(__name__)
DEMO_FILE = PROJECT_ROOT / "examples" / "dashboards.yml"
DEMO_TABLES = ["orders", "customers", "products"]


def dashboards_path(settings: Settings) -> Path | None:
    """The configured file, the shipped demo file, or None (a custom DASHAPP_DATAVIEW_TABLES)."""
    if settings.dashboards is not None:
        return settings.dashboards
    if list(settings.dataview_tables) != DEMO_TABLES:
        return None  # the older setting: bare tables of the app's database, no dashboards
    return DEMO_FILE


def load_for(settings: Settings) -> LoadedDashboards | None:
    """The validated file for these settings; SettingsError (file:line: problem) when bad."""
    path = dashboards_path(settings)
    if path is None:
        return None
    try:
        return load_dashboards(path)
    except DashboardsError as exc:
        raise SettingsError(str(exc)) from None


def open_catalog(
    settings: Settings, loaded: LoadedDashboards | None, app_engine: Engine
) -> Catalog:
    """The catalog: the file's sources and tables, checked against their databases."""
    timeout = settings.dataview_statement_timeout_ms
    if loaded is None:
        return simple_catalog(app_engine, settings.dataview_tables, timeout)
    catalog = build_catalog(loaded, app_engine, timeout)
    problems, unreachable = check_catalog(catalog)
    if settings.dashboards_strict_sources:
        problems += [
            f"{loaded.file}: source {name!r} did not answer: {error}"
            for name, error in unreachable.items()
        ]
    if problems:
        catalog.dispose()
        raise SettingsError(str(DashboardsError(problems)))
    log.info(
        "dashboards file %s: %d sources, %d tables",
        loaded.file, len(catalog.sources), len(catalog.entries),
    )  # fmt: skip
    return catalog
