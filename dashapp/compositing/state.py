"""The placement state as stored: rebuilt from the validated placement, never the raw request."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from dashapp.compositing.geometry import Placement, PlacementError

MAX_STATE_BYTES = 64 * 1024  # 50 layers of a few hundred bytes each fit many times over
MAX_NAME = 120
LAYER_KEYS = (
    "image_id", "width", "height", "x", "y", "scale_x", "scale_y", "rotation", "opacity", "z",
    "visible", "flip_x", "flip_y", "crop_left", "crop_top", "crop_right", "crop_bottom",
)  # fmt: skip


def check_size(raw: Any) -> None:
    """Refuse a state whose JSON is over MAX_STATE_BYTES (before any other work on it)."""
    try:
        size = len(json.dumps(raw, separators=(",", ":"), allow_nan=True))
    except (TypeError, ValueError):
        raise PlacementError("The placement is malformed.") from None
    if size > MAX_STATE_BYTES:
        raise PlacementError(
            f"The placement is too large ({size // 1024} KB); the limit is "
            f"{MAX_STATE_BYTES // 1024} KB."
        )


def _name(raw: Any, fallback: str) -> str:
    value = raw.get("name") if isinstance(raw, dict) else None
    text = value if isinstance(value, str) else ""
    return " ".join(text.replace("\x00", "").split())[:MAX_NAME] or fallback


def _flag(raw: Any, key: str) -> bool:
    return isinstance(raw, dict) and raw.get(key) is True


def to_state(placement: Placement, raw: Any, preview_url: Any) -> dict[str, Any]:
    """The stored form of a validated placement: known fields only, names cleaned, URLs ours."""
    raw_layers = raw.get("layers") if isinstance(raw, dict) else None
    raw_layers = raw_layers if isinstance(raw_layers, list) else []
    background = raw.get("background") if isinstance(raw, dict) else None
    layers = []
    for i, layer in enumerate(placement.layers):
        source = raw_layers[i] if i < len(raw_layers) else {}
        fields = {key: value for key, value in asdict(layer).items() if key in LAYER_KEYS}
        layers.append(
            {
                **fields,
                "name": _name(source, "layer"),
                "url": preview_url(layer.image_id),
                "locked": _flag(source, "locked"),
            }
        )
    return {
        "version": 1,
        "background": {
            "image_id": placement.background_id,
            "width": placement.width,
            "height": placement.height,
            "name": _name(background, "background"),
            "url": preview_url(placement.background_id),
        },
        "layers": layers,
    }
