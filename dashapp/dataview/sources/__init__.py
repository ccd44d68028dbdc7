"""Named data sources the data view reads from, apart from the app's own database."""

from dashapp.dataview.sources.sources import (
    APP_SOURCE,
    DataSource,
    SourceHealth,
    check_health,
    make_engine,
    normalise_url,
)

__all__ = [
    "APP_SOURCE",
    "DataSource",
    "SourceHealth",
    "check_health",
    "make_engine",
    "normalise_url",
]
