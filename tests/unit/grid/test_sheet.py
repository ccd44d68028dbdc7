"""The .xlsx export opened as a manager would: labels, typed cells, number formats, file names."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from dashapp.dataview.export import download_name
from dashapp.dataview.query import build_query
from dashapp.dataview.schema import (
    ColumnKind,
    ColumnOptions,
    GridColumn,
    TableOptions,
    discover_table,
)
from dashapp.dataview.sheet import number_format, write_sheet
from tests.unit.grid.conftest import ROWS

OPTIONS = TableOptions(
    title="Items sold",
    columns={
        "amount": ColumnOptions(label="Amount", format="currency:EUR"),
        "qty": ColumnOptions(label="Quantity", format="integer"),
        "created": ColumnOptions(label="Created on", format="date"),
        "updated_at": ColumnOptions(label="Updated", format="datetime"),
    },
)


@pytest.mark.parametrize(
    ("fmt", "integer", "expected"),
    [
        ("currency:EUR", False, "[$EUR] #,##0.00;-[$EUR] #,##0.00"),
        ("currency:JPY:0", False, "[$JPY] #,##0;-[$JPY] #,##0"),
        ("percent", False, "0.0%"),
        ("percent:0", False, "0%"),
        ("percent:2", False, "0.00%"),
        ("integer", True, "#,##0"),
        ("number", False, "#,##0.00"),
        ("number", True, "#,##0"),
        ("number:3", False, "#,##0.000"),
        ("date", False, "yyyy-mm-dd"),
        ("datetime", False, "yyyy-mm-dd hh:mm:ss"),
        ("duration", False, "[h]:mm:ss"),
        ("text", False, "@"),
    ],
)
def test_configured_formats_become_excel_number_formats(
    fmt: str, integer: bool, expected: str
) -> None:
    column = GridColumn("x", ColumnKind.NUMBER, integer=integer, format=fmt)
    assert number_format(column) == expected


def test_unconfigured_columns_are_formatted_by_type() -> None:
    assert number_format(GridColumn("d", ColumnKind.DATE)) == "yyyy-mm-dd"
    assert number_format(GridColumn("t", ColumnKind.DATE, datetime=True)) == "yyyy-mm-dd hh:mm:ss"
    assert number_format(GridColumn("p", ColumnKind.NUMBER, scale=2)) == "#,##0.00"
    assert number_format(GridColumn("id", ColumnKind.NUMBER, integer=True)) is None  # no 1,234
    assert number_format(GridColumn("n", ColumnKind.TEXT)) is None


def test_file_names_carry_the_table_and_the_day() -> None:
    day = dt.date(2026, 11, 23)
    assert download_name("invoices", "csv", day) == "invoices-2026-11-23.csv"
    assert download_name("warehouse.sales.invoice", "xlsx", day) == (
        "warehouse.sales.invoice-2026-11-23.xlsx"
    )
    assert download_name("../x y", "csv", day) == "x y-2026-11-23.csv"  # no path, no dot first


def test_workbook_has_labels_typed_cells_and_formats(engine: sa.Engine) -> None:
    table = discover_table(engine, "items", options=OPTIONS)
    query = build_query(table, sort_model=[{"colId": "id", "sort": "asc"}])
    columns = ["id", "name", "amount", "qty", "created", "updated_at", "active"]
    target = io.BytesIO()
    progress: list[int] = []
    written = write_sheet(engine, query, columns, target, 50, 5000, progress.append, 20)
    assert written == 50 and progress == [20, 40]
    book = load_workbook(io.BytesIO(target.getvalue()))
    sheet = book.active
    assert sheet.title == "Items sold"
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == ["Id", "Name", "Amount", "Quantity", "Created on", "Updated", "Active"]
    assert all(c.font.bold for c in sheet[1])
    for index, source in enumerate(ROWS[:50], start=2):
        row = {name: cell for name, cell in zip(columns, sheet[index], strict=True)}
        assert row["id"].value == source["id"] and row["id"].data_type == "n"
        assert row["amount"].data_type == "n"
        assert row["amount"].value == pytest.approx(float(source["amount"]))  # type: ignore[arg-type]
        assert row["amount"].number_format == "[$EUR] #,##0.00;-[$EUR] #,##0.00"
        assert row["created"].is_date and row["created"].number_format == "yyyy-mm-dd"
        assert row["created"].value.date() == source["created"]
        assert row["updated_at"].is_date
        assert row["updated_at"].number_format == "yyyy-mm-dd hh:mm:ss"
        assert row["active"].data_type == "b" and row["active"].value == source["active"]
        if source["qty"] is None:
            assert row["qty"].value is None
        else:
            assert row["qty"].value == source["qty"] and row["qty"].number_format == "#,##0"
        if isinstance(source["name"], str) and source["name"].startswith("="):
            assert row["name"].data_type == "s"  # text, never a formula


def test_progress_is_reported_while_writing(engine: sa.Engine) -> None:
    table = discover_table(engine, "items")
    seen: list[int] = []
    rows = write_sheet(
        engine, build_query(table), ["id"], io.BytesIO(), 10**6, 5000, seen.append, 50
    )
    assert rows == len(ROWS) == 240
    assert seen == [50, 100, 150, 200]
