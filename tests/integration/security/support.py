"""Build Dash callback requests from the app's own callback map, as the renderer would."""

from __future__ import annotations

from typing import Any

from flask import Flask


def callback_output(app: Flask, *outputs: str) -> str:
    """The callback-map key of the callback writing exactly `outputs` ("id.prop", ...)."""
    dash_app = app.extensions["dash_app"]
    if len(outputs) == 1 and outputs[0] in dash_app.callback_map:
        return outputs[0]
    key = ".." + "...".join(outputs) + ".."
    if key not in dash_app.callback_map:
        raise KeyError(f"no callback writes {outputs}")
    return key


def dash_body(app: Flask, output: str, values: dict[str, Any], trigger: str) -> dict[str, Any]:
    """A renderer-shaped body for `output`: each input/state takes values["id.prop"] or None."""
    spec = app.extensions["dash_app"].callback_map[output]

    def fill(deps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "id": dep["id"],
                "property": dep["property"],
                "value": values.get(f"{dep['id']}.{dep['property']}"),
            }
            for dep in deps
        ]

    outputs = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in output.strip(".").split("...")
    ]
    return {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": fill(spec["inputs"]),
        "changedPropIds": [trigger],
        "state": fill(spec.get("state", [])),
    }
