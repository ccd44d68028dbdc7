"""Build Dash callback requests from the app's registered callbacks, as the renderer sends them.

Tests name a callback by one of its outputs (`"train-job-result.children"`, or with the page's
`ids` module: `f"{ids.GRID}.getRowsResponse"`) and give the values of the inputs and state they
care about; everything else (the output key, the declared order of inputs and state, the
`outputs` shape, `changedPropIds`) comes from the app's own callback map. A value for a
property the callback does not declare is an error, so tests cannot drift from the page.
A pattern-matching dependency is named by its id's `type` (`"train-param.value"`); for an
ALL wildcard the test gives the list of matched entries (`{"id", "property", "value"}`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask.testing import FlaskClient

from dashapp.web.callback_guard import role_for_callback
from dashapp.web.identity import Role

DISPATCH = "/_dash-update-component"


def _pattern(component_id: object) -> dict[str, Any] | None:
    """The id as a dict when it is a pattern-matching id (stored as JSON text), else None."""
    if isinstance(component_id, str) and component_id.startswith("{"):
        parsed: dict[str, Any] = json.loads(component_id)
        return parsed
    return None


def _matches_many(pattern: dict[str, Any] | None) -> bool:
    """True for an ALL/ALLSMALLER id: the renderer sends a list of entries for it."""
    wildcards = (["ALL"], ["ALLSMALLER"])
    return pattern is not None and any(value in wildcards for value in pattern.values())


def _prop_key(dependency: Mapping[str, Any]) -> str:
    """`id.property` as tests write it; a pattern-matching id is named by its `type`."""
    pattern = _pattern(dependency["id"])
    name = pattern.get("type", dependency["id"]) if pattern else dependency["id"]
    return f"{name}.{dependency['property']}"


def _split_outputs(key: str) -> list[dict[str, str]]:
    """Dash's output key ('a.b' or '..a.b...c.d..') as a list of {id, property}."""
    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    outputs = []
    for part in parts:
        component_id, _, prop = part.rpartition(".")
        outputs.append({"id": component_id, "property": prop})
    return outputs


class DashCallbacks:
    """The callbacks of one Dash app, and requests for them."""

    def __init__(self, dash_app: Any) -> None:
        self.app = dash_app

    def key_for(self, output: str) -> str:
        """The callback-map key of the callback that writes `output` ('id.property')."""
        if output in self.app.callback_map:
            return output
        matches = [
            key
            for key in self.app.callback_map
            if output in {_prop_key(o) for o in _split_outputs(key)}
        ]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} callbacks write {output!r}; name one of: {matches}")
        return matches[0]

    def spec(self, output: str) -> dict[str, Any]:
        """The registered callback (inputs, state, output) that writes `output`."""
        spec: dict[str, Any] = self.app.callback_map[self.key_for(output)]
        return spec

    def role(self, output: str) -> Role | None:
        """The role the server requires for this callback."""
        return role_for_callback(self.app, self.key_for(output))

    def body(
        self,
        output: str,
        inputs: Mapping[str, Any] | None = None,
        state: Mapping[str, Any] | None = None,
        changed: list[str] | None = None,
    ) -> dict[str, Any]:
        """The JSON body the renderer would POST when `inputs` change (others are None)."""
        key = self.key_for(output)
        spec = self.app.callback_map[key]
        inputs, state = dict(inputs or {}), dict(state or {})

        def entries(declared: list[dict[str, Any]], given: dict[str, Any]) -> list[Any]:
            names = {_prop_key(dep) for dep in declared}
            unknown = set(given) - names
            if unknown:
                raise KeyError(f"{key} does not declare {sorted(unknown)}; it has {sorted(names)}")
            result: list[Any] = []
            for dep in declared:
                value = given.get(_prop_key(dep))
                pattern = _pattern(dep["id"])
                if pattern is not None and isinstance(value, list):
                    # ALL/ALLSMALLER: the test gives the matched components' entries itself.
                    result.append(value)
                    continue
                if value is None and _matches_many(pattern):
                    result.append([])  # the renderer's answer when no component matches
                    continue
                component_id = pattern if pattern is not None else dep["id"]
                result.append({"id": component_id, "property": dep["property"], "value": value})
            return result

        outputs = _split_outputs(key)
        return {
            "output": key,
            "outputs": outputs if key.startswith("..") else outputs[0],
            "inputs": entries(spec.get("inputs", []), inputs),
            "state": entries(spec.get("state", []), state),
            "changedPropIds": list(inputs) if changed is None else changed,
        }

    def post(
        self,
        client: FlaskClient,
        output: str,
        inputs: Mapping[str, Any] | None = None,
        state: Mapping[str, Any] | None = None,
        changed: list[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """POST the callback through `client` (extra kwargs go to `client.post`)."""
        body = self.body(output, inputs, state, changed)
        return client.post(DISPATCH, json=body, **kwargs)


def callbacks_of(server: Any) -> DashCallbacks:
    """The callbacks of the Dash app mounted on a Flask `server` built by create_app.

    Dash registers some callbacks (the pages router's) on the first request it sees, so the
    map is complete only after one: a health check is the cheapest request that makes it.
    """
    dash_app = server.extensions["dash_app"]
    if not any("_pages_content" in key for key in dash_app.callback_map):
        server.test_client().get("/healthz")
    return DashCallbacks(dash_app)
