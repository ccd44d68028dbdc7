"""Layer options the layers panel sets: hidden layers and flips, rendered on the server."""

from __future__ import annotations

import numpy as np
import pytest

from dashapp.compositing.compose import composite
from dashapp.compositing.geometry import Layer, Placement, PlacementError, layer_from_dict
from tests.unit.compositing.helpers import noise_rgba, solid


def render(layer: Layer) -> np.ndarray:
    bg = solid(50, 40, (0, 0, 255, 255))
    fg = noise_rgba(10, 6, seed=1)
    placement = Placement(1, 50, 40, (layer,))
    return np.asarray(composite(bg, {1: bg, 2: fg}, placement)), np.asarray(fg)  # type: ignore[return-value]


def test_flips_mirror_the_pixels_in_place() -> None:
    base = Layer(2, 10, 6, 20.0, 13.0)
    out, fg = render(base)
    assert np.array_equal(out[10:16, 15:25], fg)
    flipped, _ = render(Layer(2, 10, 6, 20.0, 13.0, flip_x=True))
    assert np.array_equal(flipped[10:16, 15:25], fg[:, ::-1])
    both, _ = render(Layer(2, 10, 6, 20.0, 13.0, flip_x=True, flip_y=True))
    assert np.array_equal(both[10:16, 15:25], fg[::-1, ::-1])


def test_hidden_layer_is_not_drawn() -> None:
    out, _ = render(Layer(2, 10, 6, 20.0, 13.0, visible=False))
    assert (out[..., 2] == 255).all()


def test_flags_must_be_booleans() -> None:
    raw = {"image_id": 1, "width": 2, "height": 2, "x": 1, "y": 1}
    assert layer_from_dict({**raw, "flip_x": True}).flip_x
    with pytest.raises(PlacementError, match="true or false"):
        layer_from_dict({**raw, "visible": "no"})


def test_state_size_capped_and_stored_form_drops_unknown_fields() -> None:
    from dashapp.compositing import state as stored
    from dashapp.compositing.geometry import placement_from_dict

    raw = {
        "background": {"image_id": 1, "width": 50, "height": 40, "url": "javascript:x", "evil": 1},
        "layers": [{"image_id": 2, "width": 10, "height": 6, "x": 5, "y": 3, "name": " a\x00 b "}],
    }
    kept = stored.to_state(placement_from_dict(raw), raw, lambda i: f"/p/{i}")
    assert kept["background"] == {
        "image_id": 1, "width": 50, "height": 40, "name": "background", "url": "/p/1"
    }  # fmt: skip
    assert kept["layers"][0]["name"] == "a b" and kept["layers"][0]["url"] == "/p/2"
    with pytest.raises(PlacementError, match="too large"):
        stored.check_size({**raw, "pad": "x" * (stored.MAX_STATE_BYTES + 1)})
