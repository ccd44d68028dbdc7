"""Crop: validated like the other layer fields, stored, and honoured exactly by the render."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dashapp.compositing import state as stored
from dashapp.compositing.compose import composite
from dashapp.compositing.geometry import (
    Layer,
    Placement,
    PlacementError,
    layer_from_dict,
    placement_from_dict,
)
from tests.unit.compositing.helpers import noise_rgba, solid

BLUE = (0, 0, 255, 255)
RAW = {"image_id": 2, "width": 10, "height": 6, "x": 20, "y": 13}


def render(layer: Layer, fg: Any = None) -> np.ndarray:
    bg = solid(50, 40, BLUE)
    fg = fg if fg is not None else noise_rgba(10, 6, seed=1)
    placement = Placement(1, 50, 40, (layer,))
    return np.asarray(composite(bg, {1: bg, 2: fg}, placement))


def test_crop_keeps_exactly_the_pixels_left_and_nothing_else() -> None:
    fg = np.asarray(noise_rgba(10, 6, seed=1))
    # 2 px off the left, 1 off the top, 3 off the right, 0 off the bottom: 5 x 5 left, whose
    # top-left lands at (round(22.5 - 2.5), round(14.5 - 2.5)) = (20, 12).
    out = render(Layer(2, 10, 6, 22.5, 14.5, crop_left=2, crop_top=1, crop_right=3))
    assert np.array_equal(out[12:17, 20:25], fg[1:6, 2:7])
    mask = np.ones(out.shape[:2], bool)
    mask[12:17, 20:25] = False
    assert (out[mask] == BLUE).all()


def test_crop_cuts_the_flipped_layer_as_drawn() -> None:
    fg = np.asarray(noise_rgba(10, 6, seed=1))
    out = render(Layer(2, 10, 6, 20.0, 13.0, flip_x=True, crop_left=4))
    # The left 4 columns of the mirrored image are gone: 6 x 6 left at (17, 10).
    assert np.array_equal(out[10:16, 17:23], fg[:, ::-1][:, 4:])
    assert (out[10:16, 15:17] == BLUE).all() and (out[10:16, 23:25] == BLUE).all()


def test_rotated_scaled_crop_renders_as_the_cropped_image_would() -> None:
    fg = noise_rgba(10, 6, seed=1)
    cropped = fg.crop((1, 2, 8, 5))
    got = render(Layer(2, 10, 6, 24.3, 17.8, 2.5, 1.5, 37.0, crop_left=1, crop_top=2,
                       crop_right=2, crop_bottom=1), fg)  # fmt: skip
    expected = render(Layer(2, 7, 3, 24.3, 17.8, 2.5, 1.5, 37.0), cropped)
    assert np.array_equal(got, expected)
    # ... and differs from the uncropped layer (the cut part is absent).
    assert not np.array_equal(got, render(Layer(2, 10, 6, 24.3, 17.8, 2.5, 1.5, 37.0), fg))


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"crop_left": -1}, "must not be negative"),
        ({"crop_top": 1.5}, "whole number"),
        ({"crop_right": True}, "whole number"),
        ({"crop_bottom": "2"}, "whole number"),
        ({"crop_left": 5, "crop_right": 5}, "at least one pixel"),
        ({"crop_top": 6}, "at least one pixel"),
        ({"crop_left": 10**12}, "at least one pixel"),
    ],
)
def test_bad_crops_are_refused_with_a_message(fields: dict[str, Any], said: str) -> None:
    with pytest.raises(PlacementError, match=said):
        layer_from_dict({**RAW, **fields})


def test_crop_defaults_to_none_and_is_kept_in_the_stored_form() -> None:
    assert layer_from_dict(RAW).crop_box is None
    raw = {
        "background": {"image_id": 1, "width": 50, "height": 40},
        "layers": [{**RAW, "crop_left": 2, "crop_bottom": 1, "crop_junk": 3}],
    }
    layer = stored.to_state(placement_from_dict(raw), raw, lambda i: f"/p/{i}")["layers"][0]
    assert (layer["crop_left"], layer["crop_top"], layer["crop_right"], layer["crop_bottom"]) == (
        2, 0, 0, 1,
    )  # fmt: skip
    assert "crop_junk" not in layer
    assert layer_from_dict(layer).crop_box == (2, 0, 10, 5)
