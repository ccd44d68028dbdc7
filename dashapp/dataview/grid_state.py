"""The grid state's one serialiser: its keys, its validated form, and its JSON text.

What a person sees in the data view — filters, sort, quick search, the multi-selects, and for a
saved view also the columns' layout and the breakdown's dimension — travels as one JSON object:
in a saved view's row, in the page URL's `?state=`, in an export link or an Excel job, and into
the first grid of a page. Every one of them reads and writes it here, so they agree on the keys,
on what a malformed state is, and on how large one may be. Whether the named columns exist is
checked later, against the table (`query.build_query`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from dashapp.dataview.errors import GridQueryError

# What decides which rows match and their order: URLs, exports and the grid carry these.
QUERY_KEYS = ("filterModel", "sortModel", "quick", "facets")
# A saved view also keeps how the grid looks: column order, widths, hidden and pinned columns,
# and the breakdown chart's dimension.
VIEW_KEYS = (*QUERY_KEYS, "columnState", "dimension")
# The serialised state's bound (characters of its JSON text), checked before parsing it.
MAX_CHARS = 64_000
# A page URL carries at most this much state (proxies and browsers cut long addresses); a
# larger state stays on the page, to be kept as a saved view.
URL_MAX_CHARS = 8_000
MAX_QUICK = 200  # search text (the query's own bound, filters.MAX_TEXT, is the same)
MAX_ITEMS = 500  # entries in any one list or object of the state (columns, sort keys, values)


class GridStateError(GridQueryError):
    """A state that is not the grid state's form; the message says what is wrong."""


@dataclass(frozen=True)
class GridState:
    """What the page sends for any query: the grid's models plus the page's own filters.

    The fields hold what came from the browser; `build_query` validates them against the
    table. States read from JSON text go through `clean` first (see `from_mapping`).
    """

    filter_model: object = None
    sort_model: object = None
    quick: object = None
    facets: Mapping[str, object] | None = None

    @classmethod
    def from_mapping(cls, data: object) -> GridState:
        """From a JSON object (an export link, a saved view); GridStateError if malformed."""
        state = clean({} if data is None else data, QUERY_KEYS)
        return cls(
            state.get("filterModel"),
            state.get("sortModel"),
            state.get("quick"),
            state.get("facets"),
        )

    def to_mapping(self) -> dict[str, Any]:
        """The state's JSON object (query keys only, empty ones left out)."""
        return clean(
            {
                "filterModel": self.filter_model,
                "sortModel": self.sort_model,
                "quick": self.quick,
                "facets": dict(self.facets) if self.facets is not None else None,
            },
            QUERY_KEYS,
        )


def _bounded(name: str, value: Any) -> None:
    if len(value) > MAX_ITEMS:
        raise GridStateError(f"The state's {name} has more than {MAX_ITEMS} entries.")


def _filter_model(value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise GridStateError("The filter model must be an object keyed by column.")
    _bounded("filter model", value)
    for column, spec in value.items():
        if not isinstance(column, str) or not isinstance(spec, Mapping):
            raise GridStateError("Each filter must be an object under its column's name.")
    return dict(value)


def _sort_model(value: object) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise GridStateError("The sort must be a list of {colId, sort} objects.")
    _bounded("sort", value)
    keys = []
    for item in value:
        if (
            not isinstance(item, Mapping)
            or not isinstance(item.get("colId"), str)
            or item.get("sort") not in ("asc", "desc")
        ):
            raise GridStateError("Each sort key needs a colId and a sort of 'asc' or 'desc'.")
        keys.append({"colId": item["colId"], "sort": item["sort"]})
    return keys


def _quick(value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_QUICK:
        raise GridStateError(f"The search must be text of at most {MAX_QUICK} characters.")
    return value


def _facets(value: object) -> dict[str, list[Any]]:
    if not isinstance(value, Mapping):
        raise GridStateError("Facets must be an object keyed by column.")
    _bounded("facets", value)
    kept: dict[str, list[Any]] = {}
    for column, values in value.items():
        if not isinstance(column, str) or not isinstance(values, list):
            raise GridStateError("Each facet must be a list of values under its column's name.")
        _bounded("facet values", values)
        if values:  # an empty multi-select filters nothing
            kept[column] = list(values)
    return kept


def _column_state(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(c, Mapping) for c in value):
        raise GridStateError("The column state must be a list of objects.")
    _bounded("column state", value)
    return [dict(c) for c in value]


def _dimension(value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_QUICK:
        raise GridStateError("The breakdown's dimension must be a column name.")
    return value


_READERS = {
    "filterModel": _filter_model,
    "sortModel": _sort_model,
    "quick": _quick,
    "facets": _facets,
    "columnState": _column_state,
    "dimension": _dimension,
}


def clean(data: object, keys: tuple[str, ...] = VIEW_KEYS) -> dict[str, Any]:
    """The validated form of a state: `keys` only (others dropped), each of its type, empty
    values left out, within MAX_CHARS; GridStateError saying what is wrong otherwise."""
    if not isinstance(data, Mapping):
        raise GridStateError("The view state must be an object.")
    state: dict[str, Any] = {}
    for key in keys:
        value = data.get(key)
        if value is None or value in ("", [], {}):
            continue
        read = _READERS[key](value)
        if read not in ("", [], {}):
            state[key] = read
    dumps(state)  # refuses NaN/infinity and an oversized state
    return state


def dumps(state: Mapping[str, Any]) -> str:
    """The state's canonical JSON text (sorted keys, no spaces); GridStateError past the bound."""
    try:
        # allow_nan=False: PostgreSQL's json type refuses NaN and Infinity (SQLite stores them).
        text = json.dumps(state, separators=(",", ":"), sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        raise GridStateError(
            "The state holds a value that is not JSON data (NaN, infinity, or not a value)."
        ) from None
    if len(text) > MAX_CHARS:
        raise GridStateError("The state is too large (save fewer filters, or a saved view).")
    return text


def loads(text: str | None, keys: tuple[str, ...] = VIEW_KEYS) -> dict[str, Any]:
    """The validated state in `text` (None or "" is the empty state); GridStateError when it
    is too long, not JSON, or not the state's form."""
    if not text:
        return {}
    if len(text) > MAX_CHARS:
        raise GridStateError("The state is too long to read.")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise GridStateError("The state is not valid JSON.") from None
    return clean(data, keys)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def from_page(
    filter_model: object, sort_model: object, quick: object, facets: Mapping[str, object]
) -> dict[str, Any]:
    """The query state of what the page shows (its component values), validated."""
    return clean(
        {"filterModel": filter_model, "sortModel": sort_model, "quick": quick, "facets": facets},
        QUERY_KEYS,
    )


def query_part(state: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of a (clean) state that decide the rows: what a URL or an export carries."""
    return {k: state[k] for k in QUERY_KEYS if k in state}


def page_query(
    table: str,
    state: Mapping[str, Any],
    view: int | None = None,
    share: str | None = None,
    base: Mapping[str, Any] | None = None,
) -> str:
    """The page URL's query string that reproduces `state` on `table`.

    A shared view is named by its token (anyone allowed may open it), one's own by its id;
    `base` is the query state that view opens with. `state=` is written only when what is
    shown differs from what the rest of the link opens (so `{}` can mean "the view, without
    its filters"), and only up to URL_MAX_CHARS.
    """
    params: dict[str, Any] = {"table": table}
    if share:
        params["share"] = share
    elif isinstance(view, int) and not isinstance(view, bool):
        params["view"] = view
    shown = query_part(state)
    if shown != query_part(base or {}):
        text = dumps(shown)
        if len(text) <= URL_MAX_CHARS:
            params["state"] = text
    return "?" + urlencode(params)


def from_query(raw: str | None) -> tuple[dict[str, Any] | None, str]:
    """(state, problem) from a page URL's `state=`: None when the URL has none (or a broken
    one, with a sentence for the page saying why)."""
    if raw is None:
        return None, ""
    if len(raw) > URL_MAX_CHARS:
        return None, "This link's filters are too long to read; showing the table unfiltered."
    try:
        return loads(raw, QUERY_KEYS) if raw else {}, ""
    except GridStateError as exc:
        return None, f"This link's filters could not be read ({exc}); showing the table unfiltered."
