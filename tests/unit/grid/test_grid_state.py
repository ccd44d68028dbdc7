"""The grid state's one serialiser: round trip, malformed input, unknown keys, size bound."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from dashapp.dataview import grid_state
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.grid_state import GridState, GridStateError

STATE: dict[str, Any] = {
    "filterModel": {"amount": {"filterType": "number", "type": "greaterThan", "filter": 900}},
    "sortModel": [{"colId": "amount", "sort": "desc"}],
    "quick": "north",
    "facets": {"region": ["North", None]},
    "columnState": [{"colId": "amount", "width": 120, "hide": False, "pinned": "left"}],
    "dimension": "region",
}


def test_a_state_survives_text_and_back() -> None:
    assert grid_state.loads(grid_state.dumps(STATE)) == STATE
    # The text is canonical: the same state in another key order writes the same text.
    shuffled = dict(reversed(list(STATE.items())))
    assert grid_state.dumps(grid_state.clean(shuffled)) == grid_state.dumps(STATE)


def test_grid_state_round_trips_its_query_keys() -> None:
    state = GridState.from_mapping(STATE)
    assert state.quick == "north" and state.facets == {"region": ["North", None]}
    assert state.to_mapping() == grid_state.query_part(STATE)
    assert GridState.from_mapping(state.to_mapping()) == state


def test_unknown_keys_and_empty_values_are_dropped() -> None:
    raw = {**STATE, "rowData": [1, 2], "__proto__": {}, "quick": "", "facets": {"region": []}}
    cleaned = grid_state.clean(raw)
    assert set(cleaned) == {"filterModel", "sortModel", "columnState", "dimension"}
    # Exports, URLs and the grid carry the query keys only.
    assert set(grid_state.clean(STATE, grid_state.QUERY_KEYS)) == set(grid_state.QUERY_KEYS)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("[1, 2]", "must be an object"),
        ('{"filterModel": ["amount"]}', "keyed by column"),
        ('{"filterModel": {"amount": 3}}', "Each filter must be an object"),
        ('{"sortModel": {"colId": "amount"}}', "sort must be a list"),
        ('{"sortModel": [{"colId": "amount", "sort": "up"}]}', "'asc' or 'desc'"),
        ('{"quick": 7}', "search must be text"),
        ('{"quick": "' + "x" * 201 + '"}', "at most 200"),
        ('{"facets": {"region": "North"}}', "list of values"),
        ('{"columnState": [1]}', "column state"),
        ('{"dimension": 3}', "dimension"),
        ('{"quick": NaN}', "not valid JSON"),
        ("{not json", "not valid JSON"),
        ("[" * 5000 + "]" * 5000, "not valid JSON"),
    ],
)
def test_malformed_states_are_refused_with_a_reason(raw: str, words: str) -> None:
    with pytest.raises(GridStateError, match=words) as caught:
        grid_state.loads(raw)
    # Callers that already turn GridQueryError into a 4xx message take these too.
    assert isinstance(caught.value, GridQueryError)


def test_nan_in_a_state_is_refused() -> None:
    with pytest.raises(GridStateError, match="NaN"):
        grid_state.clean({"filterModel": {"amount": {"filter": float("nan")}}})


def test_size_is_bounded_before_parsing_and_after_cleaning() -> None:
    with pytest.raises(GridStateError, match="too long"):
        grid_state.loads(" " * (grid_state.MAX_CHARS + 1))
    many = {f"c{i}": {"filterType": "text", "filter": "x" * 300} for i in range(300)}
    with pytest.raises(GridStateError, match="too large"):
        grid_state.clean({"filterModel": many})
    with pytest.raises(GridStateError, match="more than"):
        grid_state.clean({"facets": {"region": list(range(grid_state.MAX_ITEMS + 1))}})


def _params(query: str) -> dict[str, str]:
    assert query.startswith("?")
    return {k: v[0] for k, v in parse_qs(query[1:], keep_blank_values=True).items()}


def test_page_query_carries_the_state_and_reads_back() -> None:
    params = _params(grid_state.page_query("orders", STATE))
    assert params["table"] == "orders" and "view" not in params
    state, problem = grid_state.from_query(params["state"])
    assert problem == "" and state == grid_state.query_part(STATE)
    # Nothing filtered: no state in the URL.
    assert _params(grid_state.page_query("orders", {})) == {"table": "orders"}


def test_page_query_against_a_view_writes_only_a_difference() -> None:
    base = grid_state.query_part(STATE)
    assert _params(grid_state.page_query("orders", STATE, 7, None, base)) == {
        "table": "orders",
        "view": "7",
    }
    # The view's filters cleared: the URL says so with an empty state (not "the view").
    cleared = _params(grid_state.page_query("orders", {}, 7, None, base))
    assert cleared == {"table": "orders", "view": "7", "state": "{}"}
    assert grid_state.from_query(cleared["state"]) == ({}, "")
    # A view opened by its share token keeps the token, never the (private) id.
    shared = _params(grid_state.page_query("orders", {}, 7, "7-abc", base))
    assert shared["share"] == "7-abc" and "view" not in shared


def test_page_query_leaves_out_a_state_too_long_for_an_address() -> None:
    long = {"quick": "x" * 200, "facets": {"c": ["v" * 100] * 90}}
    assert len(grid_state.dumps(long)) > grid_state.URL_MAX_CHARS
    assert "state" not in _params(grid_state.page_query("orders", long))


def test_from_query_explains_a_broken_state() -> None:
    assert grid_state.from_query(None) == (None, "")
    state, problem = grid_state.from_query("{not-json")
    assert state is None and "could not be read" in problem
    state, problem = grid_state.from_query(json.dumps({"sortModel": "amount"}))
    assert state is None and "sort must be a list" in problem
    state, problem = grid_state.from_query("x" * (grid_state.URL_MAX_CHARS + 1))
    assert state is None and "too long" in problem
