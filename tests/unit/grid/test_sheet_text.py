"""Property tests: any text becomes a cell and any title a sheet that openpyxl writes and Excel
accepts, with every change visible."""

from __future__ import annotations

import datetime as dt
import io
import math
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.workbook.child import INVALID_TITLE_REGEX

from dashapp.dataview.sheet_text import (
    CUT_MARK,
    MAX_CELL_CHARS,
    REPLACEMENT,
    cell_text,
    cell_value,
    sheet_title,
)

# Every code point, surrogates and U+FFFE/U+FFFF included, with the hostile ones made common.
ANY_CHAR = st.one_of(
    st.characters(exclude_categories=()),
    st.sampled_from([chr(c) for c in range(32)] + list("/\\?*[]:'") + ["\ufffe", "\ud800"]),
)
ANY_TEXT = st.text(ANY_CHAR, max_size=80)
EXCEL_REFUSES = [chr(c) for c in range(32) if chr(c) not in "\t\n\r"] + ["\ufffe", "\uffff"]


def _refused(char: str) -> bool:
    not_xml = "\ud800" <= char <= "\udfff" or char in ("\ufffe", "\uffff")
    return bool(ILLEGAL_CHARACTERS_RE.match(char)) or not_xml


@given(ANY_TEXT)
@settings(max_examples=400, deadline=None)
def test_any_text_becomes_a_cell_with_each_refused_character_shown(text: str) -> None:
    cleaned = cell_text(text)
    assert not ILLEGAL_CHARACTERS_RE.search(cleaned)
    assert not any(_refused(c) for c in cleaned)
    # One visible mark per refused character, everything else as it was.
    assert len(cleaned) == len(text)
    for before, after in zip(text, cleaned, strict=True):
        assert after == (REPLACEMENT if _refused(before) else before)
    WriteOnlyCell(Workbook(write_only=True).create_sheet(), value=cleaned)  # openpyxl accepts it
    assert cell_text(cleaned) == cleaned  # idempotent


@pytest.mark.parametrize("char", EXCEL_REFUSES)
def test_each_refused_character_is_replaced_in_a_written_file(char: str) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("t")
    sheet.append([cell_text(f"a{char}b")])
    target = io.BytesIO()
    book.save(target)
    value = load_workbook(io.BytesIO(target.getvalue())).active["A1"].value
    assert value == f"a{REPLACEMENT}b"


def test_a_cell_too_long_for_excel_is_cut_visibly() -> None:
    cleaned = cell_text("x" * 100_000)
    assert len(cleaned) == MAX_CELL_CHARS and cleaned.endswith(CUT_MARK)
    assert cell_text("x" * MAX_CELL_CHARS) == "x" * MAX_CELL_CHARS


@given(st.text(ANY_CHAR, max_size=120))
@settings(max_examples=400, deadline=None)
def test_any_title_becomes_a_sheet_title_excel_accepts(text: str) -> None:
    title = sheet_title(text)
    assert title and title == title.strip() and not title.startswith("'")
    assert not title.endswith("'") and title.casefold() != "history"
    assert len(title.encode("utf-16-le")) // 2 <= 31
    assert not INVALID_TITLE_REGEX.search(title) and cell_text(title) == title
    # openpyxl takes it without a warning (warnings are errors in this suite).
    Workbook(write_only=True).create_sheet(title)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Sales/Returns", "Sales_Returns"),
        ("a[b]c:d*e?f\\g", "a_b_c_d_e_f_g"),
        ("x" * 40, "x" * 31),
        ("Ωmega 日本 Привет", "Ωmega 日本 Привет"),
        ("🎉" * 20, "🎉" * 15),  # two UTF-16 units each: 15 fit in 31
        ("History", "Export"),
        ("'quoted'", "quoted"),
        ("\x07\x1b", "\ufffd\ufffd"),
        ("", "Export"),
    ],
)
def test_hostile_titles(raw: str, expected: str) -> None:
    assert sheet_title(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (math.nan, "nan"),
        (math.inf, "inf"),
        (2**60, str(2**60)),
        (-(2**60), str(-(2**60))),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (b"\x00\xff", "00ff"),
        ([1, "a\x01"], "[1, 'a\\x01']"),  # its repr: escaped already
        ({"k": 1}, "{'k': 1}"),
        (dt.time(1, 2, tzinfo=dt.UTC), "01:02:00+00:00"),
        (Decimal("NaN"), "NaN"),
    ],
)
def test_values_excel_cannot_hold_become_text(raw: object, expected: str) -> None:
    assert cell_value(raw) == expected


def test_values_excel_holds_stay_typed() -> None:
    aware = dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert cell_value(aware) == dt.datetime(2026, 1, 1, 10)
    day, seconds = dt.date(2026, 1, 1), dt.timedelta(seconds=5)
    typed = (None, True, 3, 2.5, 2**53, Decimal("1.5"), day, seconds)
    for value in typed:
        assert cell_value(value) == value and type(cell_value(value)) is type(value)
