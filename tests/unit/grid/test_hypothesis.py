"""Property tests: generated filter models match a Python oracle; hostile ones never get through."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashapp.dataview.block_json import jsonable_rows
from dashapp.dataview.cache import TTLCache
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.paging import fetch_block
from dashapp.dataview.query import build_query
from dashapp.dataview.schema import GridTable
from tests.unit.grid.conftest import ROWS
from tests.unit.grid.helpers import expected_ids, matching_ids

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ASCII_TEXT = st.text(alphabet="abeglmnorty ABR%_\\'\"=0-", max_size=6)
TEXT_OPS = [
    "contains",
    "notContains",
    "equals",
    "notEqual",
    "startsWith",
    "endsWith",
    "blank",
    "notBlank",
]
SCALAR_OPS = [
    "equals",
    "notEqual",
    "lessThan",
    "lessThanOrEqual",
    "greaterThan",
    "greaterThanOrEqual",
    "inRange",
    "blank",
    "notBlank",
]  # noqa: E501
DATES = st.dates(dt.date(2023, 12, 1), dt.date(2025, 3, 1)).map(lambda d: f"{d} 00:00:00")
AMOUNTS = st.decimals(-10, 1100, places=2, allow_nan=False).map(float)


def jsonable(value: Any) -> Any:
    """The reference: one cell as the browser takes it (numbers as floats, dates as ISO text)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _text_ok(op: str, value: str, cell: str | None) -> bool:
    c, v = (cell or "").lower(), value.lower()
    if op == "blank":
        return not cell
    if op == "notBlank":
        return bool(cell)
    if op == "contains":
        return cell is not None and v in c
    if op == "notContains":
        return cell is None or v not in c
    if op == "equals":
        return cell is not None and c == v
    if op == "notEqual":
        return cell is None or c != v
    if op == "startsWith":
        return cell is not None and c.startswith(v)
    return cell is not None and c.endswith(v)


def _scalar_ok(op: str, low: Any, high: Any, cell: Any) -> bool:
    if op == "blank":
        return cell is None
    if op == "notBlank":
        return cell is not None
    if cell is None:
        return False
    if op == "inRange":
        low, high = min(low, high), max(low, high)
        return bool(low <= cell <= high)
    return {
        "equals": cell == low,
        "notEqual": cell != low,
        "lessThan": cell < low,
        "lessThanOrEqual": cell <= low,
        "greaterThan": cell > low,
        "greaterThanOrEqual": cell >= low,
    }[op]


@st.composite
def conditions(draw: st.DrawFn) -> tuple[str, dict[str, Any], Any]:
    """(column, AG Grid condition, python predicate on a row)."""
    column = draw(st.sampled_from(["name", "status", "amount", "qty", "created"]))
    if column in ("name", "status"):
        op, value = draw(st.sampled_from(TEXT_OPS)), draw(ASCII_TEXT)
        model = {"filterType": "text", "type": op, "filter": value}
        return column, model, lambda r: _text_ok(op, value, r[column])
    op = draw(st.sampled_from(SCALAR_OPS))
    if column == "created":
        a, b = draw(DATES), draw(DATES)
        model = {"filterType": "date", "type": op, "dateFrom": a, "dateTo": b}
        da, db = dt.date.fromisoformat(a[:10]), dt.date.fromisoformat(b[:10])
        return column, model, lambda r: _scalar_ok(op, da, db, r["created"])
    values = AMOUNTS if column == "amount" else st.integers(-2, 22)
    a, b = draw(values), draw(values)
    model = {"filterType": "number", "type": op, "filter": a, "filterTo": b}
    da, db = Decimal(repr(a)), Decimal(repr(b))
    return column, model, lambda r: _scalar_ok(op, da, db, r[column])


@st.composite
def filter_models(draw: st.DrawFn) -> tuple[dict[str, Any], Any]:
    """A filter model over 1-3 columns, some combined with AND/OR, and its oracle."""
    model: dict[str, Any] = {}
    predicates: list[Any] = []
    for _ in range(draw(st.integers(1, 3))):
        column, first, pred = draw(conditions())
        if column in model:
            continue
        if draw(st.booleans()):
            more = [draw(conditions()) for _ in range(draw(st.integers(1, 2)))]
            more = [m for m in more if m[0] == column]
            if more:
                operator = draw(st.sampled_from(["AND", "OR"]))
                parts = [pred, *(m[2] for m in more)]
                combine = all if operator == "AND" else any
                model[column] = {
                    "filterType": first["filterType"],
                    "operator": operator,
                    "conditions": [first, *(m[1] for m in more)],
                }
                predicates.append(lambda r, ps=parts, f=combine: f(p(r) for p in ps))
                continue
        model[column] = first
        predicates.append(pred)
    return model, lambda r: all(p(r) for p in predicates)


@SETTINGS
@given(case=filter_models())
def test_generated_models_match_oracle(engine: sa.Engine, items: GridTable, case: Any) -> None:
    model, predicate = case
    assert matching_ids(engine, items, filter_model=model) == expected_ids(predicate)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "'; DROP TABLE items; --",
            '" OR 1=1 --',
            "%' OR '1'='1",
            "\\",
            "\x00",
            "id) UNION SELECT 1 --",
            'name" ; DELETE FROM items; --',
            "😀" * 10,
        ]
    ),
)


@st.composite
def hostile_models(draw: st.DrawFn) -> Any:
    """Well-shaped models with hostile names and values, or any JSON at all."""
    if draw(st.booleans()):
        return draw(JSON)
    column = draw(st.sampled_from(["name", "amount", "created", "status"]) | HOSTILE_TEXT)
    return {
        column: {
            "filterType": draw(st.sampled_from(["text", "number", "date", "set"]) | HOSTILE_TEXT),
            "type": draw(st.sampled_from(TEXT_OPS + SCALAR_OPS) | HOSTILE_TEXT),
            "filter": draw(HOSTILE_TEXT | JSON),
            "filterTo": draw(HOSTILE_TEXT | JSON),
            "dateFrom": draw(HOSTILE_TEXT | JSON),
            "dateTo": draw(HOSTILE_TEXT | JSON),
            "values": draw(st.lists(HOSTILE_TEXT, max_size=3) | JSON),
        }
    }


@SETTINGS
@given(model=hostile_models(), sort=JSON, quick=HOSTILE_TEXT | JSON)
def test_hostile_models_are_refused_or_run_safely(
    engine: sa.Engine, items: GridTable, model: Any, sort: Any, quick: Any
) -> None:
    try:
        query = build_query(items, filter_model=model, sort_model=sort, quick=quick)
    except GridQueryError as exc:
        assert str(exc) and len(str(exc)) < 400
        return
    with engine.connect() as conn:
        fetch_block(conn, query, 0, 50, TTLCache())
        count = conn.execute(sa.text("SELECT count(*) FROM items")).scalar_one()
    assert count == len(ROWS)


COLUMN_VALUES = {
    "text": st.text(max_size=5),
    "int": st.integers(),
    "float": st.floats(allow_nan=False),
    "decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2),
    "date": st.dates(),
    "datetime": st.datetimes(),
    "bool": st.booleans(),
}


@st.composite
def blocks(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Rows as a database returns them: each column of one type, NULLs anywhere."""
    kinds = draw(st.lists(st.sampled_from(sorted(COLUMN_VALUES)), min_size=1, max_size=6))
    count = draw(st.integers(0, 12))
    return [
        {f"c{i}": draw(st.none() | COLUMN_VALUES[kind]) for i, kind in enumerate(kinds)}
        for _ in range(count)
    ]


@SETTINGS
@given(rows=blocks())
def test_a_blocks_cells_become_what_jsonable_makes_of_each_cell(rows: list[dict[str, Any]]) -> None:
    expected = [{key: jsonable(value) for key, value in row.items()} for row in rows]
    got = jsonable_rows([dict(row) for row in rows])
    assert got == expected
    assert [list(map(type, row.values())) for row in got] == [
        list(map(type, row.values())) for row in expected
    ]
