"""Check a dashboards file against its databases: tables and columns named must exist."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import sqlalchemy as sa

from dashapp.dataview.config.catalog import Catalog, CatalogEntry
from dashapp.dataview.config.loader import Path_
from dashapp.dataview.config.model import Measure, TableConfig
from dashapp.dataview.sources import APP_SOURCE

log = logging.getLogger(__name__)


def _measure_columns(measure: Measure, path: Path_) -> Iterator[tuple[Path_, str]]:
    if measure.column:
        yield (*path, "column"), measure.column
    for name in measure.filter or {}:
        yield (*path, "filter", name), name


def referenced_columns(config: TableConfig, base: Path_) -> Iterator[tuple[Path_, str]]:
    """(path in the file, column name) for every column the table's configuration names."""
    for name in config.columns:
        yield (*base, "columns", name), name
    for i, sort in enumerate(config.default_sort):
        yield (*base, "default_sort", i, "column"), sort.column
    for name in config.labels:
        yield (*base, "labels", name), name
    for i, kpi in enumerate(config.kpis or ()):
        own = kpi.measure()
        if own is not None:
            yield from _measure_columns(own, (*base, "kpis", i))
        if kpi.ratio is not None:
            yield from _measure_columns(
                kpi.ratio.numerator, (*base, "kpis", i, "ratio", "numerator")
            )
            yield from _measure_columns(
                kpi.ratio.denominator, (*base, "kpis", i, "ratio", "denominator")
            )
    for i, chart in enumerate(config.charts or ()):
        field = "date" if chart.type == "trend" else "dimension"
        yield (*base, "charts", i, field), getattr(chart, field)
        yield from _measure_columns(chart.measure, (*base, "charts", i, "measure"))


def _table_problems(catalog: Catalog, entry: CatalogEntry) -> list[str]:
    loaded = catalog.loaded
    assert loaded is not None and entry.config is not None
    engine = catalog.sources[entry.source].engine
    schema, _, table = entry.name.rpartition(".")
    inspector = sa.inspect(engine)
    try:
        columns = {c["name"] for c in inspector.get_columns(table, schema=schema or None)}
    except sa.exc.NoSuchTableError:
        where = loaded.where((*entry.path, "name"))
        return [f"{where}: table or view {entry.name!r} not found in source {entry.source!r}"]
    problems = []
    for path, name in referenced_columns(entry.config, entry.path):
        if name not in columns:
            problems.append(
                f"{loaded.where(path)}: column {name!r} not found in {entry.name!r} "
                f"(source {entry.source!r})"
            )
    return problems


def check_catalog(catalog: Catalog) -> tuple[list[str], dict[str, str]]:
    """(problems naming file and line, {source: error} for sources that did not answer).

    The app's own database is not checked: its tables appear once migrations and the seed ran.
    """
    problems: list[str] = []
    unreachable: dict[str, str] = {}
    for entry in catalog.entries.values():
        if entry.source == APP_SOURCE or entry.config is None or entry.source in unreachable:
            continue
        try:
            problems += _table_problems(catalog, entry)
        except sa.exc.OperationalError as exc:
            message = str(exc.orig).splitlines()[0][:300] if exc.orig else str(exc)[:300]
            unreachable[entry.source] = message
            log.warning("data source %s did not answer at start-up: %s", entry.source, message)
    return problems, unreachable
