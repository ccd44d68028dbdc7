"""The .xlsx export a manager opens: labelled headers, typed cells and number formats.

Formats come from the dashboards file (currency with its code, percent, number, integer, date,
datetime, duration); columns without one get a format from their type (dates as dates, decimals
with their scale). Written in openpyxl's write-only mode: memory stays flat however many rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Engine

from dashapp.dataview.query import GridQuery
from dashapp.dataview.rows import export_rows
from dashapp.dataview.schema import ColumnKind, GridColumn, GridTable
from dashapp.dataview.sheet_text import cell_text, cell_value, sheet_title

EXCEL_MAX_ROWS = 1_048_576 - 1  # one row is the header
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
SECONDS_PER_DAY = 86_400
# How often (rows) the writer reports progress to a background job.
PROGRESS_EVERY = 10_000


def _decimals(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


def _currency(_column: GridColumn, parts: list[str], digits: int | None) -> str:
    code = parts[0] if parts else "USD"
    body = _decimals(2 if digits is None else digits)
    # [$EUR] is Excel's currency token: the code shows whatever the reader's locale.
    return f"[${code}] {body};-[${code}] {body}"


def _percent(_column: GridColumn, _parts: list[str], digits: int | None) -> str:
    places = 1 if digits is None else digits  # as the grid and KPIs show it
    return "0" + ("." + "0" * places if places else "") + "%"


def _number(column: GridColumn, _parts: list[str], digits: int | None) -> str:
    if digits is not None:
        return _decimals(digits)
    return "#,##0" if column.integer else "#,##0.00"


def _fixed(excel_format: str) -> Callable[[GridColumn, list[str], int | None], str]:
    """A format kind that always has the same Excel format."""
    return lambda _column, _parts, _digits: excel_format


# The Excel format of each dashboards-file format kind, from the column, the kind's parts
# ("currency:EUR:0" -> ["EUR", "0"]) and the digits its last part gives.
FORMAT_BY_KIND: dict[str, Callable[[GridColumn, list[str], int | None], str]] = {
    "currency": _currency,
    "percent": _percent,
    "integer": _fixed("#,##0"),
    "number": _number,
    "duration": _fixed("[h]:mm:ss"),
    "date": _fixed(DATE_FORMAT),
    "datetime": _fixed(DATETIME_FORMAT),
    "text": _fixed("@"),
}


def _type_format(column: GridColumn) -> str | None:
    """A column's format from its type when none is configured. Integers stay General (ids read
    badly as 1,234)."""
    if column.kind is ColumnKind.DATE:
        return DATETIME_FORMAT if column.datetime else DATE_FORMAT
    if column.kind is ColumnKind.NUMBER and not column.integer and column.scale:
        return _decimals(min(column.scale, 6))
    return None


def number_format(column: GridColumn) -> str | None:
    """The Excel number format of a column (None: General)."""
    kind, *parts = (column.format or "").split(":") if column.format else ("",)
    digits = int(parts[-1]) if parts and parts[-1].isdigit() else None
    configured = FORMAT_BY_KIND.get(kind)
    return configured(column, parts, digits) if configured else _type_format(column)


@dataclass(frozen=True)
class SheetColumn:
    """One column of the sheet: its header, number format and how values are converted."""

    name: str
    header: str
    number_format: str | None
    width: float
    kind: ColumnKind
    duration: bool = False

    def value(self, raw: Any) -> Any:
        """The cell value Excel types correctly (numbers, dates, durations as day fractions);
        whatever Excel cannot hold becomes visible text (sheet_text.cell_value)."""
        return cell_value(self._typed(raw))

    def _typed(self, raw: Any) -> Any:
        if raw is None:
            return None
        if isinstance(raw, Decimal):
            raw = float(raw)
        if self.duration and isinstance(raw, int | float):
            return raw / SECONDS_PER_DAY
        if self.kind is ColumnKind.DATE and isinstance(raw, str):
            try:  # drivers that hand dates back as ISO text (SQLite views)
                return dt.datetime.fromisoformat(raw)
            except ValueError:
                return raw
        return raw


def sheet_columns(table: GridTable, columns: Sequence[str]) -> list[SheetColumn]:
    """The sheet's columns for whitelisted column names, headed by their labels."""
    found = []
    for name in columns:
        column = table.column(name)
        fmt = number_format(column)
        # Wide enough for the header and a typical formatted value (Excel's units: characters).
        width = max(len(column.header) + 2, 12 if fmt else 10, (column.width or 0) / 7)
        found.append(
            SheetColumn(
                column.name, column.header, fmt, min(width, 60), column.kind,
                duration=(column.format or "").startswith("duration"),
            )
        )  # fmt: skip
    return found


def _text_cell(sheet: Any, value: str) -> Any:
    """Text stays text: openpyxl would otherwise take '=...' for a formula."""
    cell = WriteOnlyCell(sheet, value=cell_text(value))
    cell.data_type = "s"
    return cell


def write_sheet(
    engine: Engine,
    query: GridQuery,
    columns: Sequence[str],
    target: IO[bytes],
    limit: int,
    timeout_ms: int,
    progress: Callable[[int], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> int:
    """Write the workbook to `target`; returns the rows written. `progress(rows)` is called
    every `progress_every` rows (a background job shows it)."""
    layout = sheet_columns(query.table, columns)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(query.table.title or query.table.name))
    for index, column in enumerate(layout, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in layout:
        cell = _text_cell(sheet, column.header)  # a column named "=..." is a label, not a formula
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written = 0
    for row in export_rows(engine, query, columns, min(limit, EXCEL_MAX_ROWS), timeout_ms):
        cells = []
        for column, raw in zip(layout, row, strict=True):
            value = column.value(raw)
            if isinstance(value, str):
                cells.append(_text_cell(sheet, value) if value.startswith("=") else value)
            elif column.number_format is not None and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = column.number_format
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        written += 1
        if progress is not None and written % progress_every == 0:
            progress(written)
    workbook.save(target)
    return written
