"""The admin page on a warehouse (PostgreSQL and MariaDB): health and schema beside the file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from dashapp import create_app
from dashapp.dataview.binding import current_dataview
from dashapp.dataview.config.overview import SourceOverview, source_overviews
from dashapp.pages.admin import ids
from tests.conftest import SettingsFactory
from tests.support.dash_requests import callbacks_of
from tests.support.warehouse import Warehouse, mariadb_warehouse, objects, postgres_warehouse

DASHBOARDS = """\
sources:
  warehouse:
    url: ${{WAREHOUSE_URL}}
    title: Sales warehouse
    statement_timeout_ms: 3000
tables:
  - source: warehouse
    name: {sales}.invoice
    id: invoices
    title: Invoices
    default_sort:
      - {{column: invoice_date, direction: desc}}
    columns:
      total: {{label: Total, format: "currency:EUR"}}
      notes: {{hidden: true}}
    labels: {{CustomerId: FirstName}}
    kpis:
      - label: Net revenue
        agg: sum
        column: total
        filter: {{status: {{not_in: [cancelled, refunded]}}}}
        format: "currency:EUR"
      - label: Refund rate
        ratio:
          numerator: {{agg: count, filter: {{status: refunded}}}}
          denominator: {{agg: count}}
        format: percent
    charts:
      - {{type: breakdown, dimension: status, top: 3}}
  - source: warehouse
    name: {crm}.Customer
    id: customers
  - source: warehouse
    name: {sales}.country_sales
    id: by_country
"""
VIEWER = {"X-Forwarded-User": "victor", "X-Forwarded-Groups": "staff"}
ADMIN = {"X-Forwarded-User": "ada", "X-Forwarded-Groups": "admins"}
SOURCES_OUT = f"{ids.SOURCES}.children"


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def warehouse(request: pytest.FixtureRequest) -> Iterator[Warehouse]:
    """The warehouse on each database engine the data view supports fully."""
    factory = postgres_warehouse if request.param == "postgresql" else mariadb_warehouse
    with factory() as built:
        yield built


@pytest.fixture
def wh_app(
    warehouse: Warehouse,
    settings_factory: SettingsFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Flask]:
    """A production-mode app (identity from proxy headers) reading the warehouse."""
    path = tmp_path / "dashboards.yml"
    path.write_text(DASHBOARDS.format(sales=warehouse.sales, crm=warehouse.crm))
    monkeypatch.setenv("WAREHOUSE_URL", warehouse.url)
    settings = settings_factory(dashboards=path, env="production", admin_groups=["admins"])
    server = create_app(settings)
    yield server
    with server.app_context():
        current_dataview().catalog.dispose()


def _warehouse_overview(app: Flask) -> SourceOverview:
    with app.app_context():
        found = {o.name: o for o in source_overviews(current_dataview().catalog)}
    assert set(found) == {"warehouse"}  # the app's database shows no table here: not listed
    return found["warehouse"]


def _tables_in_sql(w: Warehouse, schema: str) -> set[tuple[str, str]]:
    engine = w.engine()
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT table_name, table_type FROM information_schema.tables "
                "WHERE table_schema = :schema"
            ),
            {"schema": schema},
        ).all()
    engine.dispose()
    return {(str(n), "view" if "VIEW" in str(t) else "table") for n, t in rows}


def test_health_and_schema_match_the_database(warehouse: Warehouse, wh_app: Flask) -> None:
    before = objects(warehouse)
    source = _warehouse_overview(wh_app)
    assert source.health.ok and source.health.elapsed_ms > 0
    assert source.health.server.split()[0] == ("postgresql" if warehouse.dialect == "postgresql"
                                                else "mysql")  # fmt: skip
    assert any(ch.isdigit() for ch in source.health.server)  # the server's version
    assert source.driver in ("psycopg2", "pymysql")
    assert warehouse.url.split("@")[-1].split("?")[0] in source.url
    # Every table and view of the configured schemas, as the database itself lists them.
    for schema in (warehouse.sales, warehouse.crm):
        listed = {(t.name, t.kind) for t in source.inventory.tables if t.schema == schema}
        assert listed == _tables_in_sql(warehouse, schema)
    invoice = source.inventory.find(f"{warehouse.sales}.invoice")
    assert invoice is not None
    columns = {c.name: c for c in invoice.columns}
    assert columns["invoice_id"].primary_key and not columns["invoice_id"].nullable
    assert columns["CustomerId"].references == f"{warehouse.crm}.Customer.CustomerId"
    assert columns["total"].type.upper().startswith(("NUMERIC", "DECIMAL"))
    assert columns["notes"].nullable
    view = source.inventory.find(f"{warehouse.sales}.country_sales")
    assert view is not None and view.kind == "view"
    config = source.configured_for(invoice)
    assert config is not None and config.id == "invoices" and config.title == "Invoices"
    assert config.columns["total"] == {"label": "Total", "format": "currency:EUR"}
    assert config.columns["notes"] == {"hidden": True}
    assert config.labels == {"CustomerId": "FirstName"}
    assert config.kpis == (
        "Net revenue: sum(total) where status not in ['cancelled', 'refunded'] (currency:EUR)",
        "Refund rate: count(*) where status = refunded ÷ count(*) (percent)",
    )
    assert config.charts == ("breakdown of count(*) by status (top 3, Other)",)
    customer = source.inventory.find(f"{warehouse.crm}.Customer")
    assert customer is not None and source.configured_for(customer) is not None
    assert source.missing == ()
    assert objects(warehouse) == before  # reading the schema created nothing


def _shell(client: FlaskClient, headers: dict[str, str]) -> str:
    """The shell's layout (navbar included) as JSON text with plain slashes."""
    return json.dumps(client.get("/_dash-layout", headers=headers).get_json())


def test_the_page_shows_it_to_admins_only(warehouse: Warehouse, wh_app: Flask) -> None:
    client = wh_app.test_client()
    callbacks = callbacks_of(wh_app)
    host = warehouse.url.split("@")[-1].split("/")[0]  # host:port of the warehouse
    # A viewer: the 403 page for the address, refused callbacks, no link in the navigation.
    page = client.get("/admin", headers={**VIEWER, "Accept": "text/html"})
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "admin role" in text and host not in text and warehouse.sales not in text
    refused = callbacks.post(client, SOURCES_OUT, {f"{ids.REFRESH}.n_clicks": 1}, headers=VIEWER)
    assert refused.status_code == 403 and host not in refused.get_data(as_text=True)
    assert '"/admin"' not in _shell(client, VIEWER)
    # An admin: the page, the link, and every source's health and schema.
    assert client.get("/admin", headers={**ADMIN, "Accept": "text/html"}).status_code == 200
    assert '"/admin"' in _shell(client, ADMIN)
    answer = callbacks.post(client, SOURCES_OUT, {f"{ids.REFRESH}.n_clicks": None}, headers=ADMIN)
    assert answer.status_code == 200
    shown = json.dumps(answer.get_json(), ensure_ascii=False)
    for expected in (
        "reachable",
        "Sales warehouse",
        f"{warehouse.sales}.invoice · configured as invoices",
        f"{warehouse.sales}.country_sales (view)",
        f"{warehouse.crm}.Customer · configured as customers",
        f"→ {warehouse.crm}.Customer.CustomerId (label: FirstName)",
        "Net revenue: sum(total)",
    ):
        assert expected in shown, expected


def test_an_unreachable_source_says_why_to_the_admin(
    settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    path = tmp_path / "dashboards.yml"
    # Nothing listens on port 1: the source is down, start-up goes on (strict sources off).
    path.write_text(
        "sources:\n  down:\n    url: postgresql://nobody:s3cret-pw@127.0.0.1:1/none\n"
        "tables:\n  - {source: down, name: public.invoice, id: invoices}\n"
        "  - {source: app, name: orders}\n"
    )
    server = create_app(settings_factory(dashboards=path))
    with server.app_context():
        found = {o.name: o for o in source_overviews(current_dataview().catalog)}
        current_dataview().catalog.dispose()
    down = found["down"]
    assert not down.health.ok and down.health.error
    assert down.inventory.tables == () and down.missing == ()
    # The app's own database lists only the table configured from it, not the app's tables.
    assert [t.name for t in found["app"].inventory.tables] == ["orders"]
    answer = callbacks_of(server).post(
        server.test_client(), SOURCES_OUT, {f"{ids.REFRESH}.n_clicks": None}
    )
    shown = json.dumps(answer.get_json())
    assert "unreachable" in shown and "The source did not answer" in shown
    assert "127.0.0.1:1" in shown and "s3cret-pw" not in shown  # where, never the password
