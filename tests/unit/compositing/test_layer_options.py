"""Layer options the layers panel sets: hidden layers and flips, rendered on the server."""

from __future__ import annotations

import numpy as np
import pytest

from dashapp.services.compositing.compose import composite
from dashapp.services.compositing.geometry import Layer, Placement, PlacementError, layer_from_dict
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
