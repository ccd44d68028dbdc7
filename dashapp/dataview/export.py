"""Write the full filtered, sorted result as CSV, row by row, to a bounded spool file; name
exports (the .xlsx writer is grid/sheet.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Generator, Sequence
from contextlib import closing
from typing import IO, Any

from sqlalchemy.engine import Engine

from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.query import GridQuery
from dashapp.dataview.rows import FETCH_ROWS, export_rows
from dashapp.dataview.schema import GridTable
from dashapp.dataview.session import IDLE_IN_TRANSACTION_MS
from dashapp.web.download_names import file_name, file_stem

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


def download_name(table: str, extension: str, day: dt.date | None = None) -> str:
    """`invoices-2026-11-23.csv`: the table id and the day, safe in any file system."""
    day_text = (day or dt.date.today()).isoformat()
    return file_name(f"{file_stem(table, 'export')}-{day_text}", extension, "export")


def headers(table: GridTable, columns: Sequence[str]) -> list[str]:
    """The columns' labels (configured, else readable names), as the grid shows them."""
    return [table.column(name).header for name in columns]


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
    # RFC 4180 line ends: the writer then quotes a lone \r in a value too (with "\n" it did
    # not, and the row split in two when read back).
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_safe_text(h) for h in headers(query.table, columns)])
    rows = export_rows(engine, query, columns, limit, timeout_ms, idle_ms)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(v) for v in row])
        if count % FETCH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
