"""Requests for every server callback in the app's callback map, one hostile value at a time.

The other inputs and state keep the values the page layouts give them (what a real browser
would send), so the hostile value reaches the callback's body instead of an early "nothing to
do" return. Nothing here names a callback: adding one to the app adds it to the fuzz.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dash
import plotly.utils
from flask import Flask, g

# Wrong types, NULs, huge and negative values: what a hostile client sends instead of a value.
from dashapp.web.callback_guard import role_for_callback
from dashapp.web.identity import Role, User

# Wrong types, NULs, huge and negative values: what a hostile client sends instead of a value.
HOSTILE: tuple[Any, ...] = (
    None,
    0,
    -1,
    2**70,
    -(2**70),
    1.5,
    True,
    "text",
    "bad\x00value",
    "x" * 1_000_000,
    [],
    [1, "a", None],
    {},
    {"a": {"b": [None]}},
)


def _pattern(component_id: object) -> dict[str, Any] | None:
    """The id as a dict when the callback map stores a dict id (as JSON text), else None."""
    if isinstance(component_id, str) and component_id.startswith("{"):
        parsed: dict[str, Any] = json.loads(component_id)
        return parsed
    return None


def _is_wildcard(value: object) -> bool:
    return isinstance(value, list) and len(value) == 1 and value[0] in ("ALL", "ALLSMALLER")


def _id_key(component_id: object) -> str:
    return (
        json.dumps(component_id, sort_keys=True)
        if isinstance(component_id, dict)
        else str(component_id)
    )


def _plain(value: Any) -> Any:
    """A component property as the browser would send it (JSON)."""
    return json.loads(json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder))


def layout_components(server: Flask) -> dict[str, Any]:
    """Every component with an id in the shell and the pages' default layouts, by id."""
    dash_app = server.extensions["dash_app"]
    found: dict[str, Any] = {}
    with server.test_request_context("/"):
        g.user = User(username="fuzz-layout", role=Role.ADMIN)
        trees = [dash_app.layout() if callable(dash_app.layout) else dash_app.layout]
        trees += [page["layout"]() for page in dash.page_registry.values()]
        for tree in trees:
            for component in [tree, *tree._traverse()]:
                component_id = getattr(component, "id", None)
                if component_id is not None:
                    found.setdefault(_id_key(component_id), component)
    return found


@dataclass(frozen=True)
class Slot:
    """One input or state of one callback: where a hostile value goes."""

    key: str
    field: str  # "inputs" or "state"
    index: int
    name: str  # id.property, for messages


@dataclass
class CallbackFuzz:
    """Builds dispatch bodies for the app's server callbacks."""

    server: Flask
    components: dict[str, Any]

    @property
    def dash_app(self) -> Any:
        return self.server.extensions["dash_app"]

    def server_callbacks(self) -> Iterator[tuple[str, Role]]:
        """Every callback the server runs (clientside ones have no declared role) and its role."""
        for key in self.dash_app.callback_map:
            role = role_for_callback(self.dash_app, key)
            if role is not None:
                yield key, role

    def slots(self, key: str) -> Iterator[Slot]:
        spec = self.dash_app.callback_map[key]
        for field in ("inputs", "state"):
            for index, dep in enumerate(spec.get(field, [])):
                yield Slot(key, field, index, f"{dep['id']}.{dep['property']}")

    def _matches(self, pattern: dict[str, Any]) -> list[Any]:
        """Concrete ids in the layouts that a wildcard id matches."""
        fixed = {k: v for k, v in pattern.items() if not _is_wildcard(v)}
        return [
            component.id
            for component in self.components.values()
            if isinstance(component.id, dict)
            and all(component.id.get(k) == v for k, v in fixed.items())
            and set(component.id) == set(pattern)
        ]

    def _entry(self, dep: dict[str, Any], value: Any | None = None, hostile: bool = False) -> Any:
        """The dependency as the renderer sends it, with the layout's value unless hostile."""
        pattern = _pattern(dep["id"])
        prop = dep["property"]
        if pattern is not None and any(_is_wildcard(v) for v in pattern.values()):
            ids = self._matches(pattern)
            if not ids and hostile:  # an entry the page never rendered: the value still arrives
                ids = [{k: ("fuzz" if _is_wildcard(v) else v) for k, v in pattern.items()}]
            return [
                {"id": i, "property": prop, "value": value if hostile else self._value(i, prop)}
                for i in ids
            ]
        component_id = pattern if pattern is not None else dep["id"]
        shown = value if hostile else self._value(component_id, prop)
        return {"id": component_id, "property": prop, "value": shown}

    def _value(self, component_id: Any, prop: str) -> Any:
        component = self.components.get(_id_key(component_id))
        if prop == "id":
            return component_id
        return _plain(getattr(component, prop, None)) if component is not None else None

    def _outputs(self, key: str) -> Any:
        parts = key.strip(".").split("...") if key.startswith("..") else [key]
        outputs: list[Any] = []
        for part in parts:
            component_id, _, prop = part.rpartition(".")
            pattern = _pattern(component_id)
            if pattern is not None and any(_is_wildcard(v) for v in pattern.values()):
                outputs.append([{"id": i, "property": prop} for i in self._matches(pattern)])
            else:
                outputs.append({"id": pattern or component_id, "property": prop})
        return outputs if key.startswith("..") else outputs[0]

    def body(self, slot: Slot, value: Any, hostile: bool = True) -> dict[str, Any]:
        """The dispatch body with `value` in `slot` (unless not `hostile`: then the layout's
        value, as the page sends it when that input changes) and the layout's values elsewhere."""
        spec = self.dash_app.callback_map[slot.key]
        fields: dict[str, list[Any]] = {}
        for field in ("inputs", "state"):
            fields[field] = [
                self._entry(
                    dep, value, hostile=hostile and field == slot.field and index == slot.index
                )
                for index, dep in enumerate(spec.get(field, []))
            ]
        trigger = spec["inputs"][slot.index] if slot.field == "inputs" else spec["inputs"][0]
        changed = f"{_id_key(_pattern(trigger['id']) or trigger['id'])}.{trigger['property']}"
        return {
            "output": slot.key,
            "outputs": self._outputs(slot.key),
            "inputs": fields["inputs"],
            "state": fields["state"],
            "changedPropIds": [changed],
        }
