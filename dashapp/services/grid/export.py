"""Write the full filtered, sorted result as CSV or .xlsx, row by row, to a bounded spool file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy.engine import Engine

from dashapp.services.grid.errors import GridQueryError
from dashapp.services.grid.query import GridQuery
from dashapp.services.grid.schema import GridTable
from dashapp.services.grid.session import IDLE_IN_TRANSACTION_MS, read_connection

EXCEL_MAX_ROWS = 1_048_576 - 1  # one row is the header
FETCH_ROWS = 2000
# Spreadsheet apps run cells starting with these as formulas ("CSV injection"): quote them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_columns(table: GridTable, wanted: Sequence[str]) -> list[str]:
    """The requested columns, each once, in order (all of the table's when none are named).

    Duplicates would multiply the output (1,300 x `id`) without adding anything, so an export
    never has more columns than its table.
    """
    if len(wanted) > 4 * len(table.columns):
        raise GridQueryError(f"An export of {table.name!r} names too many columns.")
    chosen = list(dict.fromkeys(table.column(name).name for name in wanted if name))
    return chosen or [c.name for c in table.columns]


def cell_row_limit(row_limit: int, columns: int, max_cells: int) -> int:
    """The row limit after bounding the export to `max_cells` cells."""
    return max(1, min(row_limit, max_cells // max(1, columns)))


def spool_csv(
    engine: Engine,
    query: GridQuery,
    columns: Sequence[str],
    limit: int,
    timeout_ms: int,
    target: IO[bytes],
    max_bytes: int,
    idle_ms: int = IDLE_IN_TRANSACTION_MS,
) -> int:
    """Write the CSV to `target` (the database transaction ends before anyone reads it);
    returns the bytes written. GridQueryError when it would pass `max_bytes`."""
    written = 0
    # closing(): stopping early ends the cursor's transaction now, not when GC gets to it.
    with closing(csv_chunks(engine, query, columns, limit, timeout_ms, idle_ms)) as chunks:
        for chunk in chunks:
            data = chunk.encode("utf-8")
            written += len(data)
            if written > max_bytes:
                raise GridQueryError(
                    f"This export is larger than {max_bytes // (1024 * 1024)} MB. "
                    "Narrow the filters or choose fewer columns."
                )
            target.write(data)
    return written


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _rows(
    engine: Engine,
    query: GridQuery,
    columns: Sequence[str],
    limit: int,
    timeout_ms: int,
    idle_ms: int = IDLE_IN_TRANSACTION_MS,
) -> Iterator[tuple[Any, ...]]:
    """Rows from a server-side cursor: memory stays flat however many rows match."""
    selected = [query.table.sql(query.table.column(name).name) for name in columns]
    stmt = query.select(*selected).order_by(*query.order_by()).limit(limit)
    with read_connection(engine, timeout_ms, idle_ms) as conn:
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
    engine: Engine,
    query: GridQuery,
    columns: Sequence[str],
    limit: int,
    timeout_ms: int,
    idle_ms: int = IDLE_IN_TRANSACTION_MS,
) -> Generator[str, None, None]:
    """CSV text in chunks of FETCH_ROWS rows, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    rows = _rows(engine, query, columns, limit, timeout_ms, idle_ms)
    for count, row in enumerate(rows, start=1):
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
