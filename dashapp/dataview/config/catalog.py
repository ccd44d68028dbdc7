"""The tables the data view offers: their sources, names and configuration, by id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from dashapp.dataview.config.loader import LoadedDashboards
from dashapp.dataview.config.model import TableConfig
from dashapp.dataview.sources import APP_SOURCE, DataSource, make_engine


@dataclass(frozen=True)
class CatalogEntry:
    """One table of the data view."""

    id: str
    source: str
    name: str  # possibly schema-qualified
    config: TableConfig | None = None
    path: tuple[str | int, ...] = ()  # where it sits in the dashboards file


@dataclass
class Catalog:
    """Sources (each with its own engine) and the tables offered, in the file's order."""

    sources: dict[str, DataSource]
    entries: dict[str, CatalogEntry]
    loaded: LoadedDashboards | None = field(default=None, repr=False)

    @property
    def table_ids(self) -> tuple[str, ...]:
        """Every table id, in order."""
        return tuple(self.entries)

    def dispose(self) -> None:
        """Close every pool this catalog opened (not the app's own engine)."""
        for source in self.sources.values():
            if source.name != APP_SOURCE:
                source.engine.dispose()


def simple_catalog(engine: Engine, tables: Sequence[str], timeout_ms: int = 5000) -> Catalog:
    """One source (the given engine) showing `tables` by their own names."""
    source = DataSource(APP_SOURCE, engine, timeout_ms)
    entries = {name: CatalogEntry(name, APP_SOURCE, name) for name in tables}
    return Catalog({APP_SOURCE: source}, entries)


def build_catalog(
    loaded: LoadedDashboards,
    app_engine: Engine,
    app_timeout_ms: int,
    engines: Mapping[str, Engine] | None = None,
) -> Catalog:
    """Engines for the file's sources (created lazily by SQLAlchemy: no connection yet)."""
    config = loaded.config
    sources = {APP_SOURCE: DataSource(APP_SOURCE, app_engine, app_timeout_ms, "App database")}
    for name, source in config.sources.items():
        engine = (engines or {}).get(name) or make_engine(source.url, source.pool_size)
        sources[name] = DataSource(name, engine, source.statement_timeout_ms, source.title)
    entries = {
        t.key: CatalogEntry(t.key, t.source, t.name, t, ("tables", i))
        for i, t in enumerate(config.tables)
    }
    return Catalog(sources, entries, loaded)
