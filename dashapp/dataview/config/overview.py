"""The admin's view of the data view: each source's health and schema next to its configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashapp.dataview.config.catalog import Catalog, CatalogEntry
from dashapp.dataview.config.model import KpiConfig, Measure, TableConfig
from dashapp.dataview.sources import APP_SOURCE, SourceHealth, check_health
from dashapp.dataview.sources.inventory import Inventory, TableInfo, read_inventory


@dataclass(frozen=True)
class ConfiguredTable:
    """One table of the dashboards file, in words an admin can check against the schema."""

    id: str
    name: str
    title: str | None
    columns: dict[str, dict[str, Any]]  # column -> configured keys (label, format, hidden, ...)
    labels: dict[str, str]  # foreign key -> label column
    kpis: tuple[str, ...]
    charts: tuple[str, ...]
    default_sort: tuple[str, ...]


@dataclass(frozen=True)
class SourceOverview:
    """A source: how it answered, what it holds, which of its tables are configured."""

    name: str
    title: str | None
    dialect: str
    driver: str
    url: str  # password hidden; shown to admins only
    timeout_ms: int
    health: SourceHealth
    inventory: Inventory
    configured: tuple[ConfiguredTable, ...]

    def configured_for(self, table: TableInfo) -> ConfiguredTable | None:
        """The configuration of a discovered table, if the file names it."""
        return next((c for c in self.configured if self.inventory.find(c.name) == table), None)

    @property
    def missing(self) -> tuple[ConfiguredTable, ...]:
        """Configured tables the schema does not have (only meaningful when it was read)."""
        if self.inventory.error:
            return ()
        return tuple(c for c in self.configured if self.inventory.find(c.name) is None)


# How the file's filter operators read in a sentence.
OP_WORDS = {"eq": "=", "ne": "≠", "in": "in", "not_in": "not in", "gt": ">", "gte": "≥",
            "lt": "<", "lte": "≤", "is_null": "is blank"}  # fmt: skip


def _filter_text(spec: dict[str, Any] | None) -> str:
    parts = []
    for column, value in (spec or {}).items():
        if isinstance(value, dict):
            ((op, operand),) = value.items()
            if op == "is_null":
                parts.append(f"{column} {'is blank' if operand else 'is not blank'}")
                continue
            parts.append(f"{column} {OP_WORDS[op]} {operand}")
        elif isinstance(value, list):
            parts.append(f"{column} in {value}")
        elif value is None:
            parts.append(f"{column} is blank")
        else:
            parts.append(f"{column} = {value}")
    return " and ".join(parts)


def describe_measure(measure: Measure) -> str:
    """`sum(total) where status not in [...]`."""
    text = f"{measure.agg.replace('_', ' ')}({measure.column or '*'})"
    where = _filter_text(measure.filter)
    return f"{text} where {where}" if where else text


def describe_kpi(kpi: KpiConfig) -> str:
    """A KPI's label, what it computes and its format."""
    own = kpi.measure()
    if own is not None:
        body = describe_measure(own)
    else:
        assert kpi.ratio is not None
        ratio = kpi.ratio
        body = f"{describe_measure(ratio.numerator)} ÷ {describe_measure(ratio.denominator)}"
    return f"{kpi.label}: {body}" + (f" ({kpi.format})" if kpi.format else "")


def _configured(entry: CatalogEntry) -> ConfiguredTable:
    config: TableConfig | None = entry.config
    if config is None:
        return ConfiguredTable(entry.id, entry.name, None, {}, {}, (), (), ())
    charts = []
    for chart in config.charts or ():
        if chart.type == "trend":
            charts.append(f"trend of {describe_measure(chart.measure)} by {chart.grain} "
                          f"over {chart.date}")  # fmt: skip
        else:
            charts.append(f"breakdown of {describe_measure(chart.measure)} by {chart.dimension} "
                          f"(top {chart.top}{', Other' if chart.other else ''})")  # fmt: skip
    return ConfiguredTable(
        id=entry.id,
        name=entry.name,
        title=config.title,
        columns={name: c.model_dump(exclude_defaults=True) for name, c in config.columns.items()},
        labels=dict(config.labels),
        kpis=tuple(describe_kpi(k) for k in config.kpis or ()),
        charts=tuple(charts),
        default_sort=tuple(f"{s.column} {s.direction}" for s in config.default_sort),
    )


def source_overviews(catalog: Catalog) -> list[SourceOverview]:
    """Check and describe every source of the catalog (each bounded by its own timeouts)."""
    overviews = []
    for name, source in catalog.sources.items():
        entries = [e for e in catalog.entries.values() if e.source == name]
        if name == APP_SOURCE and not entries:
            continue  # the app's own database only matters when tables are shown from it
        health = check_health(source)
        names = [e.name for e in entries]
        inventory = (
            # The app's own tables (runs, saved views) are not data: list only those configured.
            read_inventory(source, names, whole_schemas=name != APP_SOURCE)
            if health.ok
            else Inventory(None, error="Not read: the source did not answer.")
        )
        overviews.append(
            SourceOverview(
                name=name,
                title=source.title,
                dialect=source.dialect,
                driver=source.engine.driver,
                url=source.display_url(),
                timeout_ms=source.timeout_ms,
                health=health,
                inventory=inventory,
                configured=tuple(_configured(e) for e in entries),
            )
        )
    return overviews
