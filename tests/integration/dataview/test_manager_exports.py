"""Exports a manager can open, from a warehouse on PostgreSQL and MariaDB (opened with openpyxl)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from dashapp import create_app
from dashapp.dataview.binding import current_dataview
from tests.conftest import SettingsFactory
from tests.support.warehouse import Warehouse, mariadb_warehouse, postgres_warehouse

DASHBOARDS = """\
sources:
  warehouse:
    url: ${{WAREHOUSE_URL}}
tables:
  - source: warehouse
    name: {sales}.invoice
    id: invoices
    title: Invoices
    columns:
      invoice_id: {{label: Invoice}}
      CustomerId: {{label: Customer}}
      invoice_date: {{label: Invoiced, format: date}}
      total: {{label: Total, format: "currency:EUR"}}
    labels: {{CustomerId: FirstName}}
"""
COLUMNS = "invoice_id,CustomerId__label,invoice_date,status,total"
STATE = json.dumps(
    {
        "filterModel": {"status": {"filterType": "set", "values": ["paid"]}},
        "sortModel": [{"colId": "invoice_id", "sort": "asc"}],
    }
)


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
    """An app whose data view reads the warehouse through a dashboards file."""
    path = tmp_path / "dashboards.yml"
    path.write_text(DASHBOARDS.format(sales=warehouse.sales))
    monkeypatch.setenv("WAREHOUSE_URL", warehouse.url)
    server = create_app(settings_factory(dashboards=path))
    yield server
    with server.app_context():
        current_dataview().catalog.dispose()


def _paid(w: Warehouse) -> list[tuple[int, str, dt.datetime, Decimal]]:
    engine = w.engine()
    sql = (
        f"SELECT i.invoice_id, c.{_q(w, 'FirstName')}, i.invoice_date, i.total "
        f"FROM {w.q(w.sales, 'invoice')} i JOIN {w.q(w.crm, 'Customer')} c "
        f"ON c.{_q(w, 'CustomerId')} = i.{_q(w, 'CustomerId')} "
        "WHERE i.status = 'paid' ORDER BY i.invoice_id"
    )
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(sql))]
    engine.dispose()
    return rows  # type: ignore[return-value]


def _q(w: Warehouse, name: str) -> str:
    mark = "`" if w.dialect == "mysql" else '"'
    return f"{mark}{name}{mark}"


def test_csv_is_named_by_table_and_day_and_headed_by_labels(
    warehouse: Warehouse, wh_app: Flask
) -> None:
    response = wh_app.test_client().get(
        "/export/invoices.csv", query_string={"state": STATE, "columns": COLUMNS}
    )
    assert response.status_code == 200
    today = dt.date.today().isoformat()
    assert response.headers["Content-Disposition"] == (f"attachment; filename=invoices-{today}.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Invoice", "Customer", "Invoiced", "Status", "Total"]
    expected = _paid(warehouse)
    assert [(int(r[0]), r[1], Decimal(r[4])) for r in rows[1:]] == [
        (i, name, total) for i, name, _, total in expected
    ]


def test_excel_has_labels_typed_cells_and_number_formats(
    warehouse: Warehouse, wh_app: Flask
) -> None:
    response = wh_app.test_client().get(
        "/export/invoices.xlsx", query_string={"state": STATE, "columns": COLUMNS}
    )
    assert response.status_code == 200
    today = dt.date.today().isoformat()
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=invoices-{today}.xlsx"
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "Invoices"
    assert [c.value for c in sheet[1]] == ["Invoice", "Customer", "Invoiced", "Status", "Total"]
    expected = _paid(warehouse)
    assert sheet.max_row == len(expected) + 1
    for cells, (invoice, name, day, total) in zip(
        sheet.iter_rows(min_row=2), expected, strict=True
    ):
        number, customer, invoiced, status, amount = cells
        assert number.value == invoice and number.data_type == "n"
        assert customer.value == name and customer.data_type == "s"
        assert invoiced.is_date and invoiced.value == day.replace(microsecond=0)
        assert invoiced.number_format == "yyyy-mm-dd"
        assert status.value == "paid"
        assert amount.data_type == "n" and amount.value == pytest.approx(float(total))
        assert amount.number_format == "[$EUR] #,##0.00;-[$EUR] #,##0.00"
