"""Stream the full filtered, sorted result as CSV or write it to .xlsx, row by row."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy.engine import Engine

from dashapp.services.grid.query import GridQuery
from dashapp.services.grid.session import read_connection

EXCEL_MAX_ROWS = 1_048_576 - 1  # one row is the header
FETCH_ROWS = 2000
# Spreadsheet apps run cells starting with these as formulas ("CSV injection"): quote them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _rows(
    engine: Engine, query: GridQuery, columns: Sequence[str], limit: int, timeout_ms: int
) -> Iterator[tuple[Any, ...]]:
    """Rows from a server-side cursor: memory stays flat however many rows match."""
    selected = [query.table.sql(query.table.column(name).name) for name in columns]
    stmt = query.select(*selected).order_by(*query.order_by()).limit(limit)
    with read_connection(engine, timeout_ms) as conn:
        result = conn.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(stmt)
        for row in result:
            yield tuple(row)


def _csv_value(value: Any) -> Any:
    if isinstance(value, str):
        return _safe_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_chunks(
    engine: Engine, query: GridQuery, columns: Sequence[str], limit: int, timeout_ms: int
) -> Iterator[str]:
    """CSV text in chunks of FETCH_ROWS rows, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for count, row in enumerate(_rows(engine, query, columns, limit, timeout_ms), start=1):
        writer.writerow([_csv_value(v) for v in row])
        if count % FETCH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones
    return value


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """A cell value; text that looks like a formula is pinned to be text (openpyxl infers "=")."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return _xlsx_value(value)


def write_xlsx(
    engine: Engine,
    query: GridQuery,
    columns: Sequence[str],
    target: IO[bytes],
    limit: int,
    timeout_ms: int,
) -> int:
    """Write a write-only workbook (constant memory) to `target`; returns the rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(query.table.name[:31])
    sheet.append(list(columns))
    written = 0
    for row in _rows(engine, query, columns, min(limit, EXCEL_MAX_ROWS), timeout_ms):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        written += 1
    workbook.save(target)
    return written
