"""The data view on a team's own warehouse (PostgreSQL and MariaDB), set up by a dashboards file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask

from dashapp import create_app
from dashapp.dataview import grid_state
from dashapp.dataview.binding import current_dataview
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.filters import BLANK
from dashapp.dataview.paging import LANDMARK_STEP, landmarks_key
from dashapp.dataview.service import DataView, GridState
from dashapp.dataview.session import read_connection
from dashapp.settings import SettingsError
from tests.conftest import SettingsFactory
from tests.support.dash_requests import callbacks_of
from tests.support.warehouse import (
    GENRES,
    Warehouse,
    mariadb_ansi_quotes_warehouse,
    mariadb_warehouse,
    objects,
    postgres_warehouse,
)

DASHBOARDS = """\
sources:
  warehouse:
    url: ${{WAREHOUSE_URL}}
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
      CustomerId: {{label: Customer}}
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
      - {{label: Customers, agg: count_distinct, column: CustomerId}}
      - {{label: Average, agg: avg, column: total}}
      - {{label: Largest, agg: max, column: total}}
      - {{label: First invoice, agg: min, column: invoice_date, format: date}}
    charts:
      - {{type: trend, date: invoice_date, grain: quarter, measure: {{agg: sum, column: total}}}}
      - {{type: breakdown, dimension: status, top: 2, measure: {{agg: sum, column: total}}}}
  - source: warehouse
    name: {crm}.Customer
    id: customers
  - source: warehouse
    name: {sales}.invoice_line
  - source: warehouse
    name: {sales}.country_sales
    id: by_country
  - source: warehouse
    name: {crm}.genre
    id: genres
"""


WAREHOUSES = {
    "postgresql": postgres_warehouse,
    "mariadb": mariadb_warehouse,
    "mariadb-ansi-quotes": mariadb_ansi_quotes_warehouse,
}


@pytest.fixture(scope="module", params=list(WAREHOUSES))
def warehouse(request: pytest.FixtureRequest) -> Iterator[Warehouse]:
    """The warehouse on each database engine the data view supports fully (MariaDB also as a
    server with ANSI_QUOTES in its sql_mode)."""
    with WAREHOUSES[request.param]() as built:
        yield built


@pytest.fixture
def wh_app(
    warehouse: Warehouse,
    settings_factory: SettingsFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Flask]:
    """An app whose data view reads the warehouse through a dashboards file."""
    path = tmp_path / "dashboards.yml"
    path.write_text(DASHBOARDS.format(sales=warehouse.sales, crm=warehouse.crm))
    monkeypatch.setenv("WAREHOUSE_URL", warehouse.source_url)
    server = create_app(settings_factory(dashboards=path))
    yield server
    with server.app_context():
        current_dataview().catalog.dispose()


def _view(app: Flask) -> DataView:
    with app.app_context():
        return current_dataview()


def _scalar(w: Warehouse, sql: str) -> Any:
    engine = w.engine()
    with engine.connect() as conn:
        value = conn.execute(sa.text(sql)).scalar()
    engine.dispose()
    return value


def _all(w: Warehouse, sql: str) -> list[tuple[Any, ...]]:
    engine = w.engine()
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(sql))]
    engine.dispose()
    return rows


def test_every_table_reads_and_nothing_is_created(warehouse: Warehouse, wh_app: Flask) -> None:
    before = objects(warehouse)
    view = _view(wh_app)
    assert view.allowed_tables[:2] == ("invoices", "customers")
    for table in view.allowed_tables:
        result = view.rows(table, GridState(), 0, 50)
        assert result.row_count > 0 and result.rows
        view.summary(table, GridState())
    # Saving a view writes to the app's database, never to the warehouse.
    client = wh_app.test_client()
    assert client.get("/?table=invoices").status_code == 200
    after = objects(warehouse)
    assert after == before
    assert not any("saved_view" in name for _, name, _ in after)


def test_kpis_equal_sql(warehouse: Warehouse, wh_app: Flask) -> None:
    view = _view(wh_app)
    state = GridState(
        filter_model={"total": {"filterType": "number", "type": "greaterThan", "filter": 50}}
    )
    figures = {k.label: k.value for k in view.summary("invoices", state).kpis}
    inv = warehouse.q(warehouse.sales, "invoice")
    where = "WHERE total > 50"
    net = _scalar(
        warehouse,
        f"SELECT SUM(total) FROM {inv} {where} AND status NOT IN ('cancelled', 'refunded')",
    )
    refunded = _scalar(warehouse, f"SELECT COUNT(*) FROM {inv} {where} AND status = 'refunded'")
    rows = _scalar(warehouse, f"SELECT COUNT(*) FROM {inv} {where}")
    cid = '"CustomerId"' if warehouse.dialect == "postgresql" else "`CustomerId`"
    customers = _scalar(warehouse, f"SELECT COUNT(DISTINCT {cid}) FROM {inv} {where}")
    average = _scalar(warehouse, f"SELECT AVG(total) FROM {inv} {where}")
    largest = _scalar(warehouse, f"SELECT MAX(total) FROM {inv} {where}")
    first = _scalar(warehouse, f"SELECT MIN(invoice_date) FROM {inv} {where}")
    assert figures["Net revenue"] == pytest.approx(float(net))
    assert figures["Refund rate"] == pytest.approx(refunded / rows)
    assert figures["Customers"] == customers
    assert figures["Average"] == pytest.approx(float(average))
    assert figures["Largest"] == pytest.approx(float(largest))
    assert figures["First invoice"] == first.isoformat()
    assert view.rows_count("invoices", state) == rows


def test_charts_follow_the_configuration(warehouse: Warehouse, wh_app: Flask) -> None:
    view = _view(wh_app)
    summary = view.summary("invoices", GridState())
    inv = warehouse.q(warehouse.sales, "invoice")
    total = float(_scalar(warehouse, f"SELECT SUM(total) FROM {inv}"))
    assert summary.trend[0][0].startswith("2023-Q1")
    assert sum(v for _, _, v in summary.trend) == pytest.approx(total)
    # Top 2 statuses by total, then "Other" holding the rest, so the bars add up.
    by_status = _all(
        warehouse, f"SELECT status, SUM(total) FROM {inv} GROUP BY status ORDER BY 2 DESC"
    )
    assert [b[0] for b in summary.breakdown] == [by_status[0][0], by_status[1][0], "Other"]
    assert sum(b[2] for b in summary.breakdown) == pytest.approx(total)


def test_foreign_key_label_is_shown_filtered_and_sorted(
    warehouse: Warehouse, wh_app: Flask
) -> None:
    view = _view(wh_app)
    table = view.table("invoices")
    label = table.column("CustomerId__label")
    assert label.header == "Customer" and table.column("CustomerId").hidden
    inv, cust = warehouse.q(warehouse.sales, "invoice"), warehouse.q(warehouse.crm, "Customer")
    n = (
        (lambda name: f'"{name}"')
        if warehouse.dialect == "postgresql"
        else (lambda name: f"`{name}`")
    )
    join = f"FROM {inv} i JOIN {cust} c ON c.{n('CustomerId')} = i.{n('CustomerId')}"
    state = GridState(
        filter_model={
            "CustomerId__label": {"filterType": "text", "type": "startsWith", "filter": "name00"}
        },
        sort_model=[{"colId": "CustomerId__label", "sort": "asc"}],
    )
    result = view.rows("invoices", state, 0, 1000)
    expected = _all(
        warehouse,
        f"SELECT i.invoice_id, c.{n('FirstName')} {join} "
        f"WHERE LOWER(c.{n('FirstName')}) LIKE 'name00%' "
        f"ORDER BY c.{n('FirstName')}, i.invoice_id",
    )
    assert result.row_count == len(expected) > 0
    assert [(r["invoice_id"], r["CustomerId__label"]) for r in result.rows] == expected


def test_quick_search_matches_the_foreign_key_label(warehouse: Warehouse, wh_app: Flask) -> None:
    view = _view(wh_app)
    table = view.table("invoices")
    assert "CustomerId__label" in table.label_searches  # 60 customers: small enough to search
    inv, cust = warehouse.q(warehouse.sales, "invoice"), warehouse.q(warehouse.crm, "Customer")
    mark = '"' if warehouse.dialect == "postgresql" else "`"
    first, cid = f"{mark}FirstName{mark}", f"{mark}CustomerId{mark}"
    join = f"FROM {inv} i JOIN {cust} c ON c.{cid} = i.{cid}"

    def ids_of(quick: str) -> list[int]:
        rows = view.rows("invoices", GridState(quick=quick), 0, 1000).rows
        return sorted(int(r["invoice_id"]) for r in rows)

    # "name01" is only in the customers' names (Name010 to Name019), never in an invoice's text.
    expected = _all(
        warehouse, f"SELECT i.invoice_id {join} WHERE LOWER(c.{first}) LIKE '%name01%' ORDER BY 1"
    )
    assert ids_of("NAME01") == [r[0] for r in expected] and expected
    # Every word must match somewhere: the label for one, the invoice's own notes for the other.
    both = _all(
        warehouse,
        f"SELECT i.invoice_id {join} WHERE LOWER(c.{first}) LIKE '%name01%' AND "
        "(LOWER(i.notes) LIKE '%rush%' OR LOWER(i.status) LIKE '%rush%') ORDER BY 1",
    )
    assert ids_of("name01 rush") == [r[0] for r in both] and both
    assert view.count("invoices", GridState(quick="name01"), exact=True).value == len(expected)


def test_set_filters_come_from_real_distinct_values(warehouse: Warehouse, wh_app: Flask) -> None:
    view = _view(wh_app)
    # The small table after ANALYZE: exact values, whatever the planner's statistics say.
    assert view.table("genres").column("name").choices == GENRES
    country = view.table("customers").column("Country")
    assert country.has_blank and None not in (country.choices or ())
    cust = warehouse.q(warehouse.crm, "Customer")
    col = '"Country"' if warehouse.dialect == "postgresql" else "`Country`"
    blanks = _scalar(warehouse, f"SELECT COUNT(*) FROM {cust} WHERE {col} IS NULL OR {col} = ''")
    state = GridState(facets={"Country": [BLANK]})
    assert view.rows_count("customers", state) == blanks > 0


def test_nullable_sort_pages_match_sql(warehouse: Warehouse, wh_app: Flask) -> None:
    view = _view(wh_app)
    state = GridState(sort_model=[{"colId": "notes", "sort": "asc"}])
    got = [r["invoice_id"] for r in view.rows("invoices", state, 300, 400).rows]
    inv = warehouse.q(warehouse.sales, "invoice")
    nulls_last = "notes IS NULL, notes" if warehouse.dialect == "mysql" else "notes NULLS LAST"
    expected = _all(
        warehouse,
        f"SELECT invoice_id FROM {inv} ORDER BY {nulls_last}, invoice_id LIMIT 100 OFFSET 300",
    )
    assert got == [r[0] for r in expected]
    # The configured default sort applies when the grid sends none.
    first = view.rows("invoices", GridState(), 0, 1).rows[0]
    latest = _scalar(warehouse, f"SELECT MAX(invoice_date) FROM {inv}")
    assert first["invoice_date"] == latest.isoformat()


def test_tables_without_dates_measures_or_text_say_why(wh_app: Flask) -> None:
    view = _view(wh_app)
    lines = view.dashboard(
        "warehouse.{}.invoice_line".format(view.entry(view.allowed_tables[2]).name.split(".")[0])
    )
    assert lines.trend is None and "no date column" in lines.notes["trend"]
    assert not lines.searchable and "No text columns" in lines.notes["search"]
    genres = view.dashboard("genres")
    assert genres.kpis == () and genres.trend is None
    by_country = view.table("by_country")  # a view: no primary key, still pages
    assert by_country.key is None
    assert view.rows("by_country", GridState(), 0, 100).row_count >= 1


def test_connections_are_read_only_with_a_timeout(warehouse: Warehouse, wh_app: Flask) -> None:
    source = _view(wh_app).source("invoices")
    sleep = "SELECT pg_sleep(2)" if warehouse.dialect == "postgresql" else "SELECT SLEEP(2)"
    with pytest.raises(GridQueryError, match="took longer than 0.2 s"):
        with read_connection(source.engine, 200) as conn:
            conn.exec_driver_sql(sleep).all()
    inv = warehouse.q(warehouse.sales, "invoice")
    with pytest.raises(sa.exc.DBAPIError), read_connection(source.engine, 1000) as conn:
        conn.exec_driver_sql(f"DELETE FROM {inv}")
    assert _scalar(warehouse, f"SELECT COUNT(*) FROM {inv}") > 0


def test_a_missing_column_stops_start_up_naming_file_and_line(
    warehouse: Warehouse,
    settings_factory: SettingsFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = DASHBOARDS.format(sales=warehouse.sales, crm=warehouse.crm)
    text = text.replace("column: invoice_date, format: date", "column: invoiced_on, format: date")
    path = tmp_path / "bad.yml"
    path.write_text(text)
    monkeypatch.setenv("WAREHOUSE_URL", warehouse.source_url)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "invoiced_on" in t)
    with pytest.raises(SettingsError, match=rf"bad\.yml:{line}: column 'invoiced_on' not found"):
        create_app(settings_factory(dashboards=path))


def test_csv_export_reads_the_tables_own_source(warehouse: Warehouse, wh_app: Flask) -> None:
    response = wh_app.test_client().get(
        "/export/invoices.csv", query_string={"columns": "invoice_id,CustomerId__label,total"}
    )
    assert response.status_code == 200
    lines = response.get_data(as_text=True).strip().splitlines()
    inv = warehouse.q(warehouse.sales, "invoice")
    assert len(lines) - 1 == _scalar(warehouse, f"SELECT COUNT(*) FROM {inv}")
    assert lines[0] == "Invoice id,Customer,Total"  # the columns' labels


def test_opening_a_tables_page_builds_its_default_views_landmarks(
    warehouse: Warehouse,
    settings_factory: SettingsFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "dashboards.yml"
    path.write_text(DASHBOARDS.format(sales=warehouse.sales, crm=warehouse.crm))
    monkeypatch.setenv("WAREHOUSE_URL", warehouse.source_url)
    # Every table counts as large here: the warehouse's tables are a few hundred rows.
    server = create_app(settings_factory(dashboards=path, dataview_prewarm_rows=1))
    view = _view(server)
    before = objects(warehouse)

    def stored(table: str) -> object:
        query = view.query(table, GridState())
        return view.landmark_store(view.source(table)).get(landmarks_key(query, LANDMARK_STEP))

    client, pages = server.test_client(), callbacks_of(server)

    def open_page(search: str) -> None:
        """What the browser's page router asks for when the address changes."""
        inputs = {"_pages_location.pathname": "/", "_pages_location.search": search}
        answer = pages.post(
            client, "_pages_content.children", inputs, changed=["_pages_location.search"]
        )
        assert answer.status_code == 200

    open_page("?" + urlencode({"table": "genres", "state": grid_state.dumps({"quick": "a"})}))
    open_page("?table=invoices")
    deadline = time.monotonic() + 30
    while view.landmark_builds() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert view.landmark_builds() == 0
    assert stored("invoices") is not None, "opening the page starts the default view's pass"
    assert stored("genres") is None, "a link to a filtered view builds no default view's pass"
    with server.app_context():
        current_dataview().catalog.dispose()
    assert objects(warehouse) == before
