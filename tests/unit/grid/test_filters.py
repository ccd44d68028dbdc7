"""Every filter type and operator against a Python oracle, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.schema import ColumnKind, GridTable
from tests.unit.grid.helpers import Row, expected_ids, low, matching_ids

D = dt.date


def text(op: str, value: str | None = None) -> dict[str, Any]:
    return {"filterType": "text", "type": op, "filter": value}


def num(op: str, value: Any = None, to: Any = None) -> dict[str, Any]:
    return {"filterType": "number", "type": op, "filter": value, "filterTo": to}


def date(op: str, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    return {"filterType": "date", "type": op, "dateFrom": start, "dateTo": end}


def _name(row: Row) -> str | None:
    return low(row["name"])


CASES: list[tuple[str, dict[str, Any], Callable[[Row], bool]]] = [
    ("contains", {"name": text("contains", "ET")}, lambda r: "et" in (_name(r) or "\x00")),
    ("contains %", {"name": text("contains", "0%")}, lambda r: "0%" in (_name(r) or "\x00")),
    ("contains _", {"name": text("contains", "r_s")}, lambda r: "r_s" in (_name(r) or "\x00")),
    ("contains \\", {"name": text("contains", "k\\s")}, lambda r: "k\\s" in (_name(r) or "\x00")),
    ("contains '", {"name": text("contains", "o'b")}, lambda r: "o'b" in (_name(r) or "\x00")),
    ("notContains", {"name": text("notContains", "a")}, lambda r: "a" not in (_name(r) or "")),
    ("equals", {"name": text("equals", "BETA")}, lambda r: _name(r) == "beta"),
    ("notEqual", {"name": text("notEqual", "alpha")}, lambda r: _name(r) != "alpha"),
    ("startsWith", {"name": text("startsWith", "g")}, lambda r: (_name(r) or "").startswith("g")),
    ("endsWith", {"name": text("endsWith", "N")}, lambda r: (_name(r) or "").endswith("n")),
    ("text blank", {"name": text("blank")}, lambda r: not r["name"]),
    ("text notBlank", {"name": text("notBlank")}, lambda r: bool(r["name"])),
    ("num equals", {"amount": num("equals", 12.5)}, lambda r: r["amount"] == Decimal("12.5")),
    ("num notEqual", {"qty": num("notEqual", 3)}, lambda r: r["qty"] is not None and r["qty"] != 3),
    ("num lessThan", {"amount": num("lessThan", 0)}, lambda r: r["amount"] < 0),
    (
        "num lte",
        {"qty": num("lessThanOrEqual", 2)},
        lambda r: r["qty"] is not None and r["qty"] <= 2,
    ),
    ("num gt", {"amount": num("greaterThan", 900.5)}, lambda r: r["amount"] > Decimal("900.5")),
    ("num gte", {"qty": num("greaterThanOrEqual", 18)}, lambda r: (r["qty"] or -1) >= 18),
    (
        "num inRange",
        {"amount": num("inRange", 100, 200)},
        lambda r: 100 <= r["amount"] <= 200,
    ),
    (
        "num inRange reversed",
        {"qty": num("inRange", 9, 3)},
        lambda r: r["qty"] is not None and 3 <= r["qty"] <= 9,
    ),
    ("num fraction on int", {"qty": num("greaterThan", 2.5)}, lambda r: (r["qty"] or -1) > 2.5),
    ("num blank", {"qty": num("blank")}, lambda r: r["qty"] is None),
    ("num notBlank", {"qty": num("notBlank")}, lambda r: r["qty"] is not None),
    ("num as text", {"qty": num("equals", "4")}, lambda r: r["qty"] == 4),
    (
        "date equals",
        {"created": date("equals", "2024-03-01 00:00:00")},
        lambda r: r["created"] == D(2024, 3, 1),
    ),
    (
        "date notEqual",
        {"created": date("notEqual", "2024-03-01")},
        lambda r: r["created"] != D(2024, 3, 1),
    ),
    (
        "date lessThan",
        {"created": date("lessThan", "2024-02-01 00:00:00")},
        lambda r: r["created"] < D(2024, 2, 1),
    ),
    (
        "date greaterThan",
        {"created": date("greaterThan", "2025-01-01")},
        lambda r: r["created"] > D(2025, 1, 1),
    ),
    (
        "date inRange",
        {"created": date("inRange", "2024-06-01", "2024-06-30")},
        lambda r: D(2024, 6, 1) <= r["created"] <= D(2024, 6, 30),
    ),
    (
        "timestamp equals day",
        {"updated_at": date("equals", "2024-03-01 00:00:00")},
        lambda r: r["updated_at"].date() == D(2024, 3, 1),
    ),
    (
        "timestamp greaterThan day",
        {"updated_at": date("greaterThan", "2025-01-01")},
        lambda r: r["updated_at"].date() > D(2025, 1, 1),
    ),
    (
        "timestamp inRange",
        {"updated_at": date("inRange", "2024-06-01", "2024-06-02")},
        lambda r: D(2024, 6, 1) <= r["updated_at"].date() <= D(2024, 6, 2),
    ),
    (
        "timestamp lessThanOrEqual",
        {"updated_at": date("lessThanOrEqual", "2024-01-10")},
        lambda r: r["updated_at"].date() <= D(2024, 1, 10),
    ),
    ("date blank", {"created": date("blank")}, lambda r: False),
    (
        "set",
        {"category": {"filterType": "set", "values": ["red", "blue"]}},
        lambda r: r["category"] in ("red", "blue"),
    ),
    ("set empty", {"category": {"filterType": "set", "values": []}}, lambda r: False),
    (
        "set with null",
        {"name": {"filterType": "set", "values": [None, "alpha"]}},
        lambda r: r["name"] in (None, "alpha"),
    ),
    ("set bool", {"active": {"filterType": "set", "values": [True]}}, lambda r: r["active"]),
    (
        "combined OR",
        {
            "name": {
                "filterType": "text",
                "operator": "OR",
                "conditions": [text("startsWith", "al"), text("endsWith", "ray")],
            }
        },
        lambda r: (_name(r) or "").startswith("al") or (_name(r) or "").endswith("ray"),
    ),
    (
        "combined AND numbers",
        {
            "amount": {
                "filterType": "number",
                "operator": "AND",
                "conditions": [num("greaterThan", 10), num("lessThan", 50)],
            }
        },
        lambda r: 10 < r["amount"] < 50,
    ),
    (
        "legacy condition1/2",
        {
            "qty": {
                "filterType": "number",
                "operator": "OR",
                "condition1": num("equals", 1),
                "condition2": num("equals", 2),
            }
        },
        lambda r: r["qty"] in (1, 2),
    ),
    (
        "two columns",
        {"category": {"filterType": "set", "values": ["green"]}, "qty": num("lessThan", 5)},
        lambda r: r["category"] == "green" and r["qty"] is not None and r["qty"] < 5,
    ),
]


@pytest.mark.parametrize(("label", "model", "predicate"), CASES, ids=[c[0] for c in CASES])
def test_filter_matches_oracle(
    engine: sa.Engine, items: GridTable, label: str, model: dict[str, Any], predicate: Any
) -> None:
    got = matching_ids(engine, items, filter_model=model)
    assert got == expected_ids(predicate), label


@pytest.mark.parametrize(
    ("quick", "predicate"),
    [
        ("BETA", lambda r: "beta" in (low(r["name"]) or "")),
        ("red  alpha", lambda r: r["category"] == "red" and low(r["name"]) == "alpha"),
        ("100%", lambda r: "100%" in (r["name"] or "")),
        ("zzz-none", lambda r: False),
        ("   ", lambda r: True),
    ],
)
def test_quick_search_over_text_columns(
    engine: sa.Engine, items: GridTable, quick: str, predicate: Any
) -> None:
    assert matching_ids(engine, items, quick=quick) == expected_ids(predicate)


def test_facets_and_filters_combine(engine: sa.Engine, items: GridTable) -> None:
    got = matching_ids(
        engine,
        items,
        filter_model={"amount": num("greaterThan", 500)},
        facets={"status": ["returned"], "category": []},
    )
    assert got == expected_ids(lambda r: r["amount"] > 500 and r["status"] == "returned")


REJECTED: list[tuple[object, str]] = [
    ({"nope": text("contains", "a")}, "Unknown column"),
    ({"name; DROP TABLE items": text("contains", "a")}, "Unknown column"),
    ({"name": text("regex", "a")}, "operator"),
    ({"name": num("equals", 1)}, "does not fit"),
    ({"amount": text("contains", "1")}, "does not fit"),
    ({"amount": num("equals", "1; DROP TABLE items")}, "needs a number"),
    ({"amount": num("equals", float("nan"))}, "finite"),
    ({"amount": num("equals", True)}, "needs a number"),
    ({"amount": num("inRange", 1, None)}, "needs a number"),
    ({"created": date("equals", "yesterday")}, "needs a date"),
    ({"created": date("equals", "2024-02-30")}, "invalid date"),
    ({"name": text("contains", "x" * 500)}, "longer than"),
    ({"name": text("contains", 5)}, "needs a text"),
    (
        {"name": {"filterType": "text", "operator": "XOR", "conditions": [text("blank")]}},
        "operator",
    ),
    ({"name": {"filterType": "text", "conditions": []}}, "conditions"),
    ({"name": {"filterType": "text", "conditions": [text("blank")] * 50}}, "conditions"),
    ({"name": "contains a"}, "must be an object"),
    ({"name": {"filterType": "magic"}}, "Unknown filter type"),
    ({"category": {"filterType": "set", "values": "red"}}, "list"),
    ({"active": {"filterType": "set", "values": ["yes"]}}, "true/false"),
    (["name"], "object keyed by column"),
]


@pytest.mark.parametrize(("model", "message"), REJECTED)
def test_bad_filter_models_are_rejected_clearly(
    items: GridTable, model: object, message: str
) -> None:
    from dashapp.dataview.query import build_query

    with pytest.raises(GridQueryError, match=message):
        build_query(items, filter_model=model)


def test_columns_are_classified(items: GridTable) -> None:
    kinds = {c.name: c.kind for c in items.columns}
    assert kinds == {
        "id": ColumnKind.NUMBER,
        "name": ColumnKind.TEXT,
        "category": ColumnKind.TEXT,
        "status": ColumnKind.TEXT,
        "amount": ColumnKind.NUMBER,
        "qty": ColumnKind.NUMBER,
        "created": ColumnKind.DATE,
        "updated_at": ColumnKind.DATE,
        "active": ColumnKind.BOOL,
    }
    assert items.key == "id"
    assert items.column("category").choices == ("blue", "green", "red", "yellow")
    assert items.column("status").choices == ("pending", "returned", "shipped")
    assert items.column("updated_at").datetime
    assert not items.column("id").is_set
