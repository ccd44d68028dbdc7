"""The declared types of callback inputs: what the page can send, and nothing else."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from dashapp.web.callback_inputs import declared_types, fits, refusal


@pytest.mark.parametrize(
    ("value", "hint", "expected"),
    [
        (1, int, True),
        (True, int, False),  # JSON true is not a count
        (1, float, True),  # a JSON number may arrive as an int
        ("1", float, False),
        (None, int | None, True),
        (None, str, False),
        ([1], list[str], True),  # only the outer type is declared
        ({}, list[Any], False),
        ("a", Literal["a", "b"], True),
        ("c", Literal["a", "b"], False),
        (object(), Any, True),
    ],
)
def test_fits(value: object, hint: Any, expected: bool) -> None:
    assert fits(value, hint) is expected


def test_declared_types_skip_set_progress_and_stop_at_star_args() -> None:
    def callback(set_progress: Any, clicks: int | None, table: str, *rest: Any) -> None:
        return None

    assert declared_types(callback, has_progress=True) == [int | None, str]


def entry(prop: str, value: object, component: object = "c") -> dict[str, object]:
    return {"id": component, "property": prop, "value": value}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (entry("n_clicks", 3), None),
        (entry("n_clicks", -1), "wrong type"),
        (entry("n_clicks", 1.5), "wrong type"),
        (entry("pathname", ["/"]), "wrong type"),
        (entry("value", ["a", 1, True]), None),
        (entry("value", {"a": 1}), "wrong type"),
        (entry("value", "a\x00b"), "control characters"),
        (entry("data", {"anything": ["goes"]}), None),  # a store holds what a callback wrote
        ([entry("id", {"type": "x", "i": 1}, {"type": "x", "i": 1})], None),
        ([entry("id", 5, {"type": "x", "i": 1})], "not the component's id"),
    ],
)
def test_refusal_by_property(item: Any, reason: str | None) -> None:
    found = refusal({}, {"inputs": [item], "state": []}, [])
    assert (found is None) if reason is None else (reason in str(found)), found


def test_refusal_by_declared_type_counts_inputs_then_state() -> None:
    body = {"inputs": [entry("n_clicks", 1)], "state": [entry("data", 7)]}
    assert refusal({}, body, [int | None, str]) == "input 2 has a value of the wrong type"
    assert refusal({}, body, [int | None, int]) is None
