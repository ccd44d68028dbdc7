"""Types of callback inputs: what a page can send, checked before any callback runs.

Two sources declare what a value may be: the property (every `n_clicks` is a count, every
`pathname` a string, whatever the component) and the callback's own type hints (a parameter
annotated `dict[str, str] | None` takes a dict or None). A value outside both cannot come from
our pages, so the request is refused with a 400 before the callback runs, and a callback that
still raises on a value that passed is a bug of ours: a 500 with its traceback in the log.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from typing import Any

# A declared type per parameter, in input-then-state order; None where nothing is declared.
Declared = list[Any]

NUMBER = (int, float)
SCALAR = (str, int, float, bool)


def _count(value: Any) -> bool:
    return value is None or (type(value) is int and value >= 0)


def _text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _flag(value: Any) -> bool:
    return value is None or isinstance(value, bool)


def _object(value: Any) -> bool:
    return value is None or isinstance(value, dict)


def _objects(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(v, dict) for v in value))


def _choice(value: Any) -> bool:
    """An input's, dropdown's, checklist's or switch's value: scalars, or a list of them."""
    if isinstance(value, list):
        return all(_choice_scalar(v) for v in value)
    return value is None or _choice_scalar(value)


def _choice_scalar(value: Any) -> bool:
    return isinstance(value, SCALAR)


def _has_nul(value: Any) -> bool:
    """A NUL in a typed value: no browser input produces one, and PostgreSQL refuses them."""
    if isinstance(value, list):
        return any(isinstance(v, str) and "\x00" in v for v in value)
    return isinstance(value, str) and "\x00" in value


def _options(value: Any) -> bool:
    """Dropdown/checklist options: a list of dicts or scalars, or a value-to-label dict."""
    if isinstance(value, list):
        return all(isinstance(v, dict) or _choice_scalar(v) for v in value)
    return value is None or isinstance(value, dict)


def _upload(value: Any) -> bool:
    """dcc.Upload's contents and filename: a string, or a list of them with `multiple`."""
    if isinstance(value, list):
        return all(isinstance(v, str) for v in value)
    return value is None or isinstance(value, str)


# What a property can hold, whichever component has it (Dash core, Bootstrap, AG Grid).
# Properties not listed (a Store's `data`, `children`) can hold anything a callback wrote.
PROPERTY_CHECKS: dict[str, Callable[[Any], bool]] = {
    "n_clicks": _count,
    "n_submit": _count,
    "n_blur": _count,
    "n_intervals": _count,
    "pathname": _text,
    "search": _text,
    "hash": _text,
    "href": _text,
    "active_tab": _text,
    "is_open": _flag,
    "hidden": _flag,
    "disabled": _flag,
    "value": _choice,
    "contents": _upload,
    "filename": _upload,
    "getRowsRequest": _object,
    "cellClicked": _object,
    "clickData": _object,
    "filterModel": _object,
    # dash-ag-grid also accepts {"ids": [...]} for selectedRows, so a dict is allowed.
    "selectedRows": lambda value: _objects(value) or isinstance(value, dict),
    "columnState": _objects,
    "options": _options,
}


def declared_types(func: Callable[..., Any], has_progress: bool) -> Declared:
    """The callback's type hint per input/state (Dash passes them positionally, in order)."""
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # noqa: BLE001 - an unresolvable hint declares nothing, it is not an error
        return []
    params = list(inspect.signature(func).parameters.values())
    if has_progress:  # Dash passes set_progress first
        params = params[1:]
    declared: Declared = []
    for param in params:
        if param.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
            break  # *state: the rest are undeclared
        declared.append(hints.get(param.name))
    return declared


def fits(value: Any, hint: Any) -> bool:
    """True when `value` (parsed JSON) has the hint's outer type; inner types are not checked."""
    if hint is None or hint is Any or isinstance(hint, typing.TypeVar):
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, arm) for arm in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is type(None):
        return value is None
    outer = origin or hint
    if outer is float:  # a JSON number may arrive as an int
        return isinstance(value, NUMBER) and not isinstance(value, bool)
    if outer is int:
        return type(value) is int
    if outer in (str, bool, list, dict):
        return isinstance(value, outer)
    return True  # a hint this check does not understand declares nothing


def _entries(item: Any) -> list[dict[str, Any]]:
    return [e for e in (item if isinstance(item, list) else [item]) if isinstance(e, dict)]


def refusal(spec: dict[str, Any], body: dict[str, Any], declared: Declared) -> str | None:
    """Why the body's inputs and state cannot have come from the page, or None when they can.

    Call only on a body whose shape already matches the callback (auth.callback_body_matches).
    """
    items = [*body.get("inputs", []), *body.get("state", [])]
    for position, item in enumerate(items):
        entries = _entries(item)
        for entry in entries:
            prop, value = entry.get("property"), entry.get("value")
            if prop == "id" and value != entry.get("id"):
                return f"{prop} is not the component's id"
            check = PROPERTY_CHECKS.get(str(prop))
            name = f"{str(entry.get('id'))[:80]}.{str(prop)[:40]}"
            if check is not None and not check(value):
                return f"{name} has a value of the wrong type"
            if check is not None and _has_nul(value):
                return f"{name} contains control characters"
        hint = declared[position] if position < len(declared) else None
        # A pattern-matching ALL dependency arrives as a list of entries: the list is the value.
        value = [e.get("value") for e in entries] if isinstance(item, list) else item.get("value")
        if not fits(value, hint):
            return f"input {position + 1} has a value of the wrong type"
    return None
