"""Draw the sources' overviews: health, then each table's columns beside their configuration."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashapp.dataview.config.overview import ConfiguredTable, SourceOverview
from dashapp.dataview.sources.inventory import TableInfo
from dashapp.pages.admin import ids


def _fact(term: str, value: str) -> list[Any]:
    return [html.Dt(term, className="col-5 col-lg-2"), html.Dd(value, className="col-7 col-lg-10")]


def _health(source: SourceOverview) -> html.Div:
    health = source.health
    facts = [
        *_fact("Driver", f"{source.dialect}+{source.driver}"),
        *_fact("Server", health.server if health.ok else "–"),
        *_fact("Latency", f"{health.elapsed_ms:.1f} ms"),
        *_fact("Statement timeout", f"{source.timeout_ms} ms"),
        *_fact("URL", source.url),
    ]
    parts: list[Any] = [html.Dl(facts, className="row mb-2 small admin-facts")]
    if not health.ok:
        parts.append(
            dbc.Alert(
                [html.Strong("The source did not answer: "), health.error],
                color="danger",
                className="py-2 small",
            )
        )
    if source.inventory.error and health.ok:
        parts.append(
            dbc.Alert(
                [html.Strong("Its schema could not be read: "), source.inventory.error],
                color="warning",
                className="py-2 small",
            )
        )
    for table in source.missing:
        parts.append(
            dbc.Alert(
                f"Configured table {table.name!r} (id {table.id}) is not in this source.",
                color="warning",
                className="py-2 small",
            )
        )
    return html.Div(parts)


def _keys(column: Any, config: ConfiguredTable | None) -> str:
    keys = []
    if column.primary_key:
        keys.append("primary key")
    if column.references:
        label = (config.labels.get(column.name) if config else None) or ""
        keys.append(f"→ {column.references}" + (f" (label: {label})" if label else ""))
    return ", ".join(keys)


def _columns_table(table: TableInfo, config: ConfiguredTable | None) -> html.Div:
    configured = config.columns if config else {}
    head = ["Column", "Type", "Null", "Keys", "Label", "Format", "Shown"]
    rows = []
    for column in table.columns:
        conf = configured.get(column.name, {})
        shown = "hidden" if conf.get("hidden") else ("yes" if config else "")
        rows.append(
            html.Tr(
                [
                    html.Th(column.name, scope="row", className="font-monospace fw-normal"),
                    html.Td(column.type, className="font-monospace"),
                    html.Td("yes" if column.nullable else "no"),
                    html.Td(_keys(column, config)),
                    html.Td(conf.get("label", "")),
                    html.Td(conf.get("format", ""), className="font-monospace"),
                    html.Td(shown),
                ]
            )
        )
    return html.Div(
        html.Table(
            [html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(rows)],
            className="table table-sm table-striped mb-2 small admin-columns",
        ),
        className="table-responsive",
        # A scrolling region must be reachable by keyboard and named (axe).
        tabIndex=0,
        role="region",
        **{"aria-label": f"Columns of {table.qualified}"},  # type: ignore[arg-type]
    )


def _configuration(config: ConfiguredTable) -> html.Div:
    lines: list[Any] = [
        html.P(
            [
                html.Strong("Configured as "),
                html.A(config.id, href=f"/?table={config.id}"),
                f" — {config.title}" if config.title else "",
            ],
            className="mb-1",
        )
    ]
    if config.labels:
        shown = ", ".join(f"{key} → {label}" for key, label in config.labels.items())
        lines.append(html.P(f"Foreign-key labels: {shown}", className="mb-1"))
    if config.default_sort:
        lines.append(html.P(f"Default sort: {', '.join(config.default_sort)}", className="mb-1"))
    for heading, items in (("KPIs", config.kpis), ("Charts", config.charts)):
        if items:
            lines.append(html.P(heading, className="fw-semibold mb-0"))
            lines.append(html.Ul([html.Li(item) for item in items], className="mb-1"))
    return html.Div(lines, className="small mb-2")


def _table_item(source: SourceOverview, table: TableInfo, index: int) -> dbc.AccordionItem:
    config = source.configured_for(table)
    title = table.qualified + (" (view)" if table.kind == "view" else "")
    if config is not None:
        title += f" · configured as {config.id}"
    body = [_configuration(config)] if config else []
    body.append(_columns_table(table, config))
    return dbc.AccordionItem(body, title=title, item_id=f"t{index}")


def source_card(source: SourceOverview) -> dbc.Card:
    """One source: health facts, then its tables (configured ones open)."""
    ok = source.health.ok
    badge = dbc.Badge(
        "reachable" if ok else "unreachable",
        color=None,
        className=f"ms-2 text-bg-{'success' if ok else 'danger'}",
        id=ids.health_badge(source.name),
    )
    tables = source.inventory.tables
    items = [_table_item(source, t, i) for i, t in enumerate(tables)]
    open_items = [f"t{i}" for i, t in enumerate(tables) if source.configured_for(t)]
    summary = f"{len(tables)} tables and views"
    if source.inventory.left_out:
        summary += f" shown; {source.inventory.left_out} more not listed"
    schema_part: list[Any] = []
    if tables:
        schema_part = [
            html.H3(f"Schema ({summary})", className="h6 mt-3"),
            dbc.Accordion(items, always_open=True, active_item=open_items, start_collapsed=False),
        ]
    heading = source.name + (f" — {source.title}" if source.title else "")
    return dbc.Card(
        [
            dbc.CardHeader(html.H2([heading, badge], className="h5 mb-0")),
            dbc.CardBody([_health(source), *schema_part]),
        ],
        className="mb-3",
        id=ids.source_card(source.name),
    )


def sources_view(sources: list[SourceOverview]) -> list[Any]:
    """Every source's card, or a note when the data view has none."""
    if not sources:
        return [dbc.Alert("No data sources are configured.", color="secondary")]
    return [source_card(s) for s in sources]
