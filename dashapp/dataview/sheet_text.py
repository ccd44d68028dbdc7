"""Text Excel accepts: cell values and sheet titles from any data, changed visibly, never refused.

openpyxl raises on control characters in cells (`ILLEGAL_CHARACTERS_RE`) and on `/ \\ ? * [ ] :`
in sheet titles (`INVALID_TITLE_REGEX`); Excel itself refuses files with XML-invalid characters,
cells over 32,767 characters and titles over 31. One raise was enough to lose a whole export.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.workbook.child import INVALID_TITLE_REGEX

# Shown in place of a character Excel refuses, so the reader sees that something was there.
REPLACEMENT = "\ufffd"
# Beyond openpyxl's control characters: no XML 1.0 form (surrogates, U+FFFE, U+FFFF).
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
MAX_SAFE_INTEGER = 2**53  # Excel keeps 15 significant digits: larger integers go as text
MAX_TITLE_UNITS = 31  # Excel's limit for a sheet title, counted in UTF-16 units
CUT_MARK = "\u2026"  # ends a cell that was cut to fit


def cell_text(value: str) -> str:
    """`value` as Excel can hold it: refused characters as U+FFFD, cut with … to fit."""
    text = _NOT_XML.sub(REPLACEMENT, ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value))
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + CUT_MARK
    return text


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def sheet_title(text: str, default: str = "Export") -> str:
    """A sheet title Excel accepts: forbidden characters as `_`, at most 31 UTF-16 units, not
    blank, not starting or ending with an apostrophe, not Excel's reserved "History"."""
    title = INVALID_TITLE_REGEX.sub("_", cell_text(text))
    title = " ".join(title.split()).strip("'")[:MAX_TITLE_UNITS]
    while _utf16_units(title) > MAX_TITLE_UNITS:  # an emoji is two units: never split one
        title = title[:-1]
    title = title.strip().strip("'")
    if not title or title.casefold() == "history":
        return default
    return title


# What openpyxl writes as a typed cell; anything else (UUID, bytes, lists) it refuses.
_TYPED = (bool, int, float, Decimal, str, dt.datetime, dt.date, dt.time, dt.timedelta)


def cell_value(value: Any) -> Any:
    """A value openpyxl writes and Excel opens: text made safe, numbers Excel cannot hold
    (NaN, infinities, integers past 2**53) and other types as their text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value)
    if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
        return str(value)
    if isinstance(value, str):
        return cell_text(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones
    if isinstance(value, dt.time) and value.tzinfo is not None:
        return cell_text(value.isoformat())  # Excel has no time zones; keep the offset in sight
    if isinstance(value, _TYPED):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return cell_text(bytes(value).hex())
    return cell_text(str(value))
